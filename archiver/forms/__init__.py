"""The printing machinery shared by every printed paper (the volume forms and the papers).

Nothing here knows what an archive is: a style file read and checked (:mod:`.style`), the
one font set (:mod:`.fonts`), Chinese line breaking (:mod:`.linebreak`), text and rules on an
A4 page (:mod:`.typeset`), ruled tables that run over pages (:mod:`.table`), and the PDF
itself (:mod:`.render`: a new document, its bytes, the subsets named, PDF/A-2b finishing).
The layouts that use it live with what they print: the volume forms in
:mod:`archiver.volumes.forms`, the papers people sign in :mod:`archiver.papers`.
"""
