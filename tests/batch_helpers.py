"""Generated batch scans for the batch tests: printed cover sheets as a scanner sees
them (rendered, then degraded), stacked with synthetic document pages."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import pypdfium2
from PIL import Image, ImageDraw

from archiver.synth import PageSpec, pdf_from_images, render_page, text_page


def sheet_images(sheet_pdf: bytes, dpi: int = 200) -> list[Image.Image]:
    """Each page of a cover-sheet PDF as printed and scanned at ``dpi`` (grayscale)."""
    doc = pypdfium2.PdfDocument(sheet_pdf)
    try:
        return [doc[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for i in range(len(doc))]
    finally:
        doc.close()


def degrade(image: Image.Image, *, rotate: float = 0.0, noise: float = 0.0, seed: int = 0,
            damage: bool = False) -> Image.Image:
    """A printed page as it comes back from a scanner: askew by ``rotate`` degrees (180:
    fed upside down), speckled, and with ``damage`` the large QR code torn through."""
    im = image.convert("L")
    if damage:  # a coffee stain / tear across the middle of the large code (markers intact)
        w, h = im.size
        draw = ImageDraw.Draw(im)
        draw.rectangle((w * 0.28, h * 0.20, w * 0.72, h * 0.40), fill=250)
        draw.rectangle((w * 0.33, h * 0.40, w * 0.60, h * 0.48), fill=20)
    if rotate:
        im = im.rotate(rotate, resample=Image.Resampling.BILINEAR, expand=False, fillcolor=245)
    if noise:
        rng = random.Random(seed)
        px = im.load()
        assert px is not None
        w, h = im.size
        for _ in range(int(w * h * noise / 4)):
            x, y = rng.randrange(w - 1), rng.randrange(h - 1)
            for dx in (0, 1):
                for dy in (0, 1):
                    px[x + dx, y + dy] = 60 if rng.random() < 0.7 else 250
    return im


@dataclass
class Doc:
    """One document in a batch: its cover sheet image (None: no sheet) and its pages."""

    sheet: Image.Image | None
    pages: list[PageSpec] = field(default_factory=list)
    blank_back: bool = False  # duplex: the sheet's back is scanned too (blank)


def document_pages(n: int, seed: int) -> list[PageSpec]:
    return [text_page(f"文件{seed}·第{i + 1}页", n_lines=5, seed=seed * 100 + i) for i in range(n)]


def batch_pdf(docs: Sequence[Doc], *, dpi: int = 200, bilevel: bool = False, seed: int = 0) -> bytes:
    """A batch scan: for each document its sheet (+ blank back), then its pages."""
    images: list[Image.Image] = []
    for k, doc in enumerate(docs):
        if doc.sheet is not None:
            sheet = doc.sheet
            if sheet.size != (round(210 / 25.4 * dpi), round(297 / 25.4 * dpi)):
                sheet = sheet.resize((round(210 / 25.4 * dpi), round(297 / 25.4 * dpi)), Image.Resampling.LANCZOS)
            images.append(sheet)
            if doc.blank_back:
                images.append(render_page(PageSpec(show_through=True), dpi=dpi, seed=seed * 1000 + k))
        for i, spec in enumerate(doc.pages):
            images.append(render_page(spec, dpi=dpi, seed=seed * 1000 + k * 50 + i))
    return pdf_from_images(images, dpi=dpi, bilevel=bilevel)


def sheet_pdf(*metas: dict[str, object]) -> bytes:
    """Cover sheets for raw sidecar-like dicts (customer, type, date, title…), printed
    as `archiver coversheet` prints them — without checking the customer exists, so a
    test can print one for an unknown customer."""
    import datetime as dt
    import tomllib

    from archiver.batch.coversheet import render_sheets
    from archiver.config import parse_config, template_text
    from archiver.model import Metadata

    cfg = parse_config(tomllib.loads(template_text()))
    items = []
    for raw in metas:
        fields = dict(raw)
        date = fields.pop("date")
        meta = Metadata(date=dt.date.fromisoformat(str(date)), **fields)  # type: ignore[arg-type]
        items.append((meta, {"customer_name": f"客户{meta.customer}", "type_name": cfg.document_types[meta.type].name}))
    return render_sheets(items)
