"""The volumes stage: from filed records to bound-ready volume PDFs (Art. 12–20).

One module per step, pure rules apart from PDF work. The orchestrator,
:func:`.build.build`, reads as the stage's steps (state → plan → check → changed →
write); each volume is laid out, assembled, saved and given its manifest by
:func:`.assemble.assemble`.

* :mod:`.build` — ``archiver build``: the orchestrator, and writing one volume
* :mod:`.ondisk` — what ``volumes/`` and ``records/`` hold (manifests, loose PDFs, places)
* :mod:`.holds` — custody as the build sees it: what destruction lists hold (Art. 29)
* :mod:`.lost` — records a rebuild would leave out, and filings in progress
* :mod:`.fingerprint` — the inputs fingerprint that says a volume is up to date
* :mod:`.supersede` — the recorded file-system steps: codes, earlier copies moved aside
* :mod:`.outcome` — what a build reports (outcomes, scope)
* :mod:`.codes` — the reference-code register (crash-proof, stable codes)
* :mod:`.rules` — filing year, groups, order, series, splitting, reference codes (Art. 12–15)
* :mod:`.plan` — records + configuration → planned volumes; the checks of the inputs
* :mod:`.pages` — sheets, fronts and backs, blank pages, page numbers (Art. 16)
* :mod:`.remarks` — what the remarks sheet says (Art. 11, 13, 14, 18, 19)
* :mod:`.assemble` — one volume: lay out → assemble (qpdf merge) → finish → save → manifest;
  cover → index → documents → remarks → back cover (Art. 20); staged under a temporary
  name, put in place by the build
* :mod:`.analysis` — the records' blank pages and number corners looked at in worker processes
* :mod:`.finish` — pass 2 on the merged pages: blanks, flattening, active content, LZW,
  stamps, page labels, outline, PDF/A, identifier
* :mod:`.formscache` — the volume's forms as one PDF, cached per reference code
* :mod:`.verdicts` — PDF/A verdicts cached by what decides a volume's bytes
* :mod:`.stamp` — drawing page numbers (Art. 16); :mod:`.placement` — where they go;
  :mod:`.ink` — looking for ink in the corner; :mod:`.pagecontent` — reading a page's
  content; :mod:`.digits` — the numbers' embedded font; :mod:`.lookcache` — corner looks
  kept between builds
* :mod:`.pdfa` — PDF/A-2b: output intent, default CMYK, XMP metadata, LZW → Flate, the check
* :mod:`.manifest` — the manifest beside each volume (the contract with catalogue and custody)
* :mod:`.forms`, :mod:`.blank` — the forms and the blank-page detector
"""
