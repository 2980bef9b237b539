"""The volumes stage: from filed records to bound-ready volume PDFs (Art. 12–20).

One module per step, pure rules apart from PDF work:

* :mod:`.rules` — filing year, groups, order, series, splitting, reference codes (Art. 12–15)
* :mod:`.plan` — records + configuration → planned volumes; the checks of the inputs
* :mod:`.pages` — sheets, fronts and backs, blank pages, page numbers (Art. 16)
* :mod:`.remarks` — what the remarks sheet says (Art. 11, 13, 14, 18, 19)
* :mod:`.stamp` — page numbers stamped in the corner the reader sees (Art. 16)
* :mod:`.assemble` — one volume PDF + its manifest: cover → index → documents → remarks →
  back cover (Art. 20), page labels, outline
* :mod:`.pdfa` — PDF/A-2b: output intent, default CMYK, XMP metadata, LZW → Flate, the check
* :mod:`.build` — ``archiver build``: incremental, refuses bad input, supersedes stale volumes
* :mod:`.manifest` — the manifest beside each volume (the contract with catalogue and custody)
* :mod:`.forms`, :mod:`.blank` — the forms and the blank-page detector
"""
