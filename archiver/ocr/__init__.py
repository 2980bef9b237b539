"""OCR: what each filed record's pages say, stored beside the record (issue 12).

A stage of its own, after filing (never inside it): ``archiver ocr`` — and the watcher,
after it has filed something — takes every record whose text is missing or stale and,
page by page, keeps the page's own text layer (a born-digital PDF, a scan that carries
OCR already) or renders the page and recognises it. The scan is never touched.

* :mod:`.engine` — the small interface an OCR engine implements (recognise an image →
  lines with box, text, confidence; name, version, models);
* :mod:`.rapid` — RapidOCR (PP-OCR models for Chinese and English, shipped in its wheel);
* :mod:`.pages` — one page: its own text, or its image to recognise, in PDF points;
* :mod:`.store` — the stored text, ``<stem>.text.json`` (``docs/text-format.md``);
* :mod:`.stage` — the orchestrator: records not yet done → pages → one atomic write each;
* :mod:`.follow` — the watcher's hook: the stage in a child process after filing.
"""
