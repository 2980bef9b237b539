"""The catalogue: a static HTML site to browse and search the archive (``archiver site``).

The build (:mod:`.build`, the orchestrator, over the steps of :mod:`.steps`) reads
inputs → model → render → write, one module a job:

* inputs: :mod:`.inputs` (each customer's records and volume manifests, listed with
  their file stamps, parsed through a cache), :mod:`.sources` (what is read from the
  custody registers), :mod:`.known` (what the last build knew of each customer),
  :mod:`.thumbs` (cached thumbnails), :mod:`.withheld` (PDFs with active content);
* model (pure): :mod:`.views` (the page view types), :mod:`.access` (the Art. 24
  rules), :mod:`.model` (archive data → view types, customer by customer),
  :mod:`.statistics` (custody's numbers shaped for display), :mod:`.paths` (where each
  page lives, how links are written);
* render: :mod:`.render` (jinja2 templates), :mod:`.search` (the search index),
  :mod:`.fulltext` (the full-text search's rules: keys, shards, hits; pure);
* write: :mod:`.output` (the output folder, safely), :mod:`.copies` (the site's own
  copies of PDFs), :mod:`.sites` (every folder written), :mod:`.purge` (destroyed
  material out of every catalogue); :mod:`.cachefile` (the caches' JSON format);
  :mod:`.fulltext_index` (the stored texts read, the full-text index written
  incrementally).

Decisions, in one place:

* Output: ``site/`` in the archive root (``catalogue.output``), or ``--out DIR``. Only
  files listed in the folder's ``.archiver-site.json`` (written by an earlier build) are
  ever replaced or removed; a non-empty folder without it, the archive root, a folder
  holding the archive, or one inside its material folders is refused.
* Self-contained: document and volume PDFs are put into ``site/files/`` as files of
  their own (:mod:`.copies`: a reflink where the file system can, else a copy), never
  the archive's inodes, so nothing done to the site reaches the stored files; hard links
  only with ``catalogue.pdf_files = "hardlink"``. A PDF carrying active content is
  listed without its link (:mod:`.withheld`). Links are relative and percent-encoded;
  the search index is a script, so ``file://`` works.
* Interrupted builds finish: the folder's manifest is first rewritten marked
  ``building`` (:mod:`.output`); the next build after a kill completes it.
* Every folder written is listed in ``.archiver/sites.json`` (:mod:`.sites`); destroyed
  material is purged from all of them (:mod:`.purge`).
* Art. 24: a document classified at or above ``catalogue.restricted_from`` is listed by
  reference code only. A volume holding one is restricted as a whole (its PDF contains
  the document): reference code only, no page, no cover, no PDF. An ordinary document
  bound in such a volume keeps its own page and PDF (its scan holds nothing restricted)
  and names the volume by reference code, without a link. Restricted material is not
  in the search index and never gets a thumbnail.
* Incremental: a rebuild redoes only the customers whose material (sidecars, volume
  manifests, profile, history — by file stamp) changed, or all of them when the
  configuration, the templates or the archiver changed; the site-wide pages (home,
  customers, statistics, search index) are made from every customer's small cached
  summary. The result is byte for byte what a build into an empty folder gives.
* Templates: shipped in ``archiver/templates/catalogue`` (``templates/catalogue`` at
  the top of a source checkout links there); ``catalogue.templates`` names a folder of
  the user's own whose files replace the shipped ones by name.
"""

from .build import BuildResult, build_site

__all__ = ["BuildResult", "build_site"]
