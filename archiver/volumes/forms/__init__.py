"""The printed forms of a volume (Art. 17, 18, 20): cover, volume index, remarks sheet, back cover.

What the volume assembly calls (:func:`archiver.volumes.build.default_renderer`,
:func:`archiver.volumes.assemble.make_sheet`): :class:`FormRenderer`, :class:`VolumeSheet`,
:class:`IndexRow`. One module per job:

* :mod:`.sheet` — what the forms print (the volume's data), and the {fields} texts may use
* :mod:`.style` — ``forms.toml`` and the archive's override (``volumes.forms_style``), checked
* :mod:`.renderer` — the four forms in one PDF (one font subset), cached per sheet
* :mod:`.cover`, :mod:`.index`, :mod:`.remarks`, :mod:`.back_cover` — one layout each

They draw with the shared machinery of :mod:`archiver.forms` (fonts, typesetting, tables,
the PDF), which the other printed papers (:mod:`archiver.papers`) use too.
"""

from .renderer import FormRenderer, FormsDocument
from .sheet import IndexRow, VolumeSheet
from .style import load_style

__all__ = ["FormRenderer", "FormsDocument", "IndexRow", "VolumeSheet", "load_style"]
