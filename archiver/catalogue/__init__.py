"""The catalogue: a static HTML site to browse and search the archive (``archiver site``).

Stages, one module each: :mod:`.sources` (what is read from custody registers),
:mod:`.model` (pure: archive data → page data, Art. 24 applied), :mod:`.thumbs`
(cached thumbnails), :mod:`.search` (the search index), :mod:`.render` (jinja2
templates), :mod:`.output` (the output folder, safely and incrementally) and
:mod:`.build` (the orchestrator).
"""

from .build import BuildResult, build_site

__all__ = ["BuildResult", "build_site"]
