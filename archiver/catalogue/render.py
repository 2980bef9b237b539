"""The catalogue's pages: which pages there are, and rendering them with jinja2.

Templates: the shipped ones live in ``archiver/templates/catalogue/`` (inside the
package, so an installed archiver has them; the top-level ``templates/catalogue`` of a
source checkout is a link to the same folder). A user restyles the catalogue without
touching Python by pointing ``catalogue.templates`` in archive.toml at a folder of their
own: a file there (``base.html``, ``static/style.css`` …) replaces the shipped file of
the same name.

Every value is escaped: autoescaping is on for every template, and undefined names are
errors (a typo in a template fails the build instead of showing nothing).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from .. import __version__
from ..errors import ConfigError
from . import paths
from .views import CustomerPart, Overview, SiteInfo, SiteModel

STATIC = ("style.css", "search.js", "fulltext.js", "sort.js", "favicon.svg")


def shipped_templates() -> Path:
    return Path(str(resources.files("archiver").joinpath("templates/catalogue")))


def template_folders(override: Path | None) -> list[Path]:
    folders = [shipped_templates()]
    if override is not None:
        if not override.is_dir():
            raise ConfigError(f"The templates folder {override} (catalogue.templates) does not exist.",
                              hint="Create it, or set catalogue.templates = \"\" in archive.toml.")
        folders.insert(0, override)
    return folders


@jinja2.pass_context
def _url(ctx: Any, target: str) -> str:
    return paths.href(target, ctx["page_path"])


def _date(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _num(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


class Renderer:
    """A jinja2 environment over the template folders, and a fingerprint of them."""

    def __init__(self, override: Path | None = None) -> None:
        """Templates are compiled in memory, each once per build, never kept on disk: a
        compiled template is Python code, and a cache of code in the archive's state
        folder would run whatever was put there (as a pickle would)."""
        self.folders = template_folders(override)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(f) for f in self.folders], encoding="utf-8"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,  # templates do not change during a build: no stat per page
        )
        self.env.filters.update(url=_url, date=_date, num=_num)
        self.fingerprint = self._fingerprint()

    def _fingerprint(self) -> str:
        digest = hashlib.sha256(__version__.encode())
        for folder in self.folders:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    digest.update(path.relative_to(folder).as_posix().encode())
                    digest.update(path.read_bytes())
        return digest.hexdigest()[:32]

    def render(self, template: str, page_path: str, context: dict[str, Any]) -> bytes:
        ctx = dict(context, page_path=page_path, root=paths.root_prefix(page_path))
        return self.env.get_template(template).render(ctx).encode("utf-8")

    def static(self, name: str) -> bytes:
        """A static asset (CSS, JS), taken from the override folder when it has one."""
        for folder in self.folders:
            path = folder / "static" / name
            if path.is_file():
                return path.read_bytes()
        raise FileNotFoundError(name)


@dataclass(frozen=True)
class Page:
    path: str  # site path
    template: str
    context: dict[str, Any]


def _site(info: SiteInfo) -> dict[str, str]:
    return {"fonds_code": info.fonds_code, "fonds_name": info.fonds_name, "restricted_from": info.restricted_from}


def site_pages(info: SiteInfo, overview: Overview) -> Iterator[Page]:
    """The site-wide pages: home, customers, statistics."""
    site = _site(info)
    yield Page("index.html", "index.html", {"site": site, "totals": overview.totals,
                                            "last_filing": overview.last_filing, "last_audit": overview.last_audit,
                                            "nav": "home"})
    yield Page("customers.html", "customers.html", {"site": site, "customers": overview.customers,
                                                    "nav": "customers"})
    yield Page("statistics.html", "statistics.html", {"site": site, "stats": overview.statistics,
                                                      "totals": overview.totals,
                                                      "policy_version": info.policy_version, "nav": "statistics"})


def customer_pages(info: SiteInfo, part: CustomerPart) -> Iterator[Page]:
    """One customer's pages: its file (案卷 by year), its volumes and its documents."""
    site = _site(info)
    c = part.entry
    yield Page(c.page, "customer.html", {"site": site, "customer": c, "nav": "customers"})
    for v in part.volumes:
        if v.page is not None:
            yield Page(v.page, "volume.html", {"site": site, "volume": v, "customer_name": c.name,
                                               "customer_page": c.page, "nav": "customers"})
    for d in part.documents:
        if d.page is not None:
            yield Page(d.page, "document.html", {"site": site, "doc": d, "customer_name": c.name,
                                                 "customer_page": c.page, "nav": "customers"})


def pages(model: SiteModel) -> Iterator[Page]:
    """Every page of the site, with the data it shows."""
    yield from site_pages(model.info, model.overview)
    for part in model.parts:
        yield from customer_pages(model.info, part)
