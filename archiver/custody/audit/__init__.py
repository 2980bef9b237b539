"""The audit (检查与核对, Art. 21–23): does the archive on disk match what it recorded?

Two questions, kept apart as bagit-python keeps them:

* **complete** — every file the archive recorded is present, and nothing is present that
  nobody recorded: record PDFs named by their sidecars, volume PDFs named by their
  manifests (also the older versions ``archiver build`` keeps aside in
  ``volumes/.superseded/<customer>/<year>/``, each PDF beside its manifest under the same
  name), no PDF without its sidecar or manifest, no stray file under ``records/`` or
  ``volumes/``, every record a volume lists still filed;
* **valid** — complete, and every file is what was recorded: its size, its SHA-256, a PDF
  that opens without repair and has the recorded number of pages, and every volume lists
  its records with the checksum they have now.

``fast`` checks presence and sizes only. The full audit reads every file exactly once.
Material held apart for destruction (``hold/``, Art. 29) is checked against the hashes the
disposal register recorded when it was moved there. The findings are reported under the
four properties of DA/T 70-2018, one module each:

* :mod:`.findings` — the kinds of finding, their severity, question and property;
* :mod:`.inventory` — what was recorded, and what is there unrecorded (records/, volumes/, hold/);
* :mod:`.files` — each recorded file checked, read once;
* :mod:`.authenticity` — 真实性: metadata and reference codes agree;
* :mod:`.integrity` — 完整性: bindings, page sequences, torn register lines;
* :mod:`.usability` — 可用性: PDF/A-2b;
* :mod:`.security` — 安全性: permissions, links, shared inodes, the catalogue's PDFs;
* :mod:`.report` — the report, its terminal lines and its entry in ``registers/audit.jsonl``;
* :mod:`.run` — the orchestrator (:func:`~.run.run_audit`) and the locks it runs under
  (:func:`~.run.audit_archive`).
"""
