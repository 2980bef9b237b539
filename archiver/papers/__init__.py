"""The papers people print, cut and sign (issue 14), besides the volumes' own forms.

* :mod:`.sources` — what the papers print, read from the archive (manifests, registers)
* :mod:`.paper` — a paper rendered with the forms machinery, finished as PDF/A-2b, written
* :mod:`.boxes` — volumes placed in boxes by volume number and capacity (Art. 20; pure)
* :mod:`.box_register` — the box register ``registers/boxes.jsonl`` (where each volume went)
* :mod:`.box_labels` — 卷盒封面 and 盒脊 of boxes
* :mod:`.volume_register` — 案卷目录 of a fonds, year and retention class
* :mod:`.destruction` — 销毁清册 and 销毁登记表 of a destruction list (Art. 29)
* :mod:`.slips` — 查档/借档申请单 and 借阅登记 (Art. 27, 28)
* :mod:`.stats_report` — the statistics report (Art. 25)

Each paper module turns plain data into pages; the commands (:mod:`archiver.cli.papers`)
read the archive and write the file given with ``--out``.
"""
