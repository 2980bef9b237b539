"""Synthetic scans, for the sample archive, the tests and the benchmarks.

Pages are raster images as a scanner makes them (grayscale JPEG or bilevel CCITT G4, at
150–300 dpi), with printed lines of text, optionally a handwritten line or a red stamp,
and the defects of real paper: speckle noise, punch holes, faint show-through from the
other side. Everything is deterministic for a given ``seed``.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

A4_MM = (210.0, 297.0)


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = resources.files("archiver").joinpath("fonts/NotoSerifSC-Regular-GB2312.ttf")
    try:
        with resources.as_file(path) as real:
            return ImageFont.truetype(str(real), size)
    except OSError:
        return ImageFont.load_default()


@dataclass
class PageSpec:
    """What is on one side of a sheet."""

    lines: list[str] = field(default_factory=list)  # printed text
    title: str = ""  # a larger heading
    handwriting: bool = False  # one short handwritten line (a signature, a note)
    stamp: bool = False  # a round red seal
    noise: float = 0.002  # share of pixels flipped by scanner speckle
    punch_holes: bool = False  # two dark punch holes near the left edge
    show_through: bool = False  # faint mirrored text from the other side
    rotate: float = 0.0  # skew in degrees, as a sheet fed slightly askew

    @property
    def blank(self) -> bool:
        return not (self.lines or self.title or self.handwriting or self.stamp)


def render_page(spec: PageSpec, *, dpi: int = 200, seed: int = 0, color: bool = False) -> Image.Image:
    """One A4 page as an 8-bit grayscale (or RGB when ``color``) image."""
    rng = random.Random(seed)
    w, h = (round(mm / 25.4 * dpi) for mm in A4_MM)
    paper = 246 + rng.randint(-3, 3)
    img = Image.new("RGB" if color else "L", (w, h), (paper, paper, paper - 6) if color else paper)
    draw = ImageDraw.Draw(img)
    ink = (30, 30, 35) if color else 30
    px = dpi / 25.4  # pixels per mm
    y = 30 * px
    if spec.show_through:
        ghost = Image.new("L", (w, h), 0)
        gd = ImageDraw.Draw(ghost)
        for i in range(18):
            gd.text((30 * px, (40 + i * 12) * px), "客户档案 材料 " * 4, fill=255, font=_font(round(4 * px)))
        ghost = ghost.transpose(Image.Transpose.FLIP_LEFT_RIGHT).filter(ImageFilter.GaussianBlur(px * 0.6))
        shade = Image.new(img.mode, (w, h), (paper - 14,) * 3 if color else paper - 14)
        img.paste(shade, mask=ghost.point(lambda v: v // 5))
    if spec.title:
        font = _font(round(7 * px))
        tw = draw.textlength(spec.title, font=font)
        draw.text(((w - tw) / 2, y), spec.title, fill=ink, font=font)
        y += 16 * px
    body = _font(round(4.2 * px))
    for line in spec.lines:
        draw.text((30 * px, y), line, fill=ink, font=body)
        y += 8 * px
    if spec.handwriting:
        x0, y0 = 110 * px, max(y + 12 * px, 200 * px)
        points = []
        for i in range(40):
            points.append((x0 + i * 1.4 * px, y0 + rng.uniform(-2.5, 2.5) * px))
        draw.line(points, fill=(20, 40, 120) if color else 40, width=max(2, round(0.5 * px)), joint="curve")
    if spec.stamp:
        cx, cy, r = 150 * px, max(y + 30 * px, 230 * px), 18 * px
        red = (200, 30, 30) if color else 110
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=red, width=round(0.9 * px))
        star = _font(round(6 * px))
        draw.text((cx - 3 * px, cy - 4 * px), "★", fill=red, font=star)
        small = _font(round(3.5 * px))
        draw.text((cx - 12 * px, cy + 6 * px), "合同专用章", fill=red, font=small)
    if spec.punch_holes:
        for hy in (h / 2 - 40 * px, h / 2 + 40 * px):
            r = 3 * px
            draw.ellipse((12 * px - r, hy - r, 12 * px + r, hy + r), fill=(40, 40, 40) if color else 40)
    if spec.rotate:
        img = img.rotate(spec.rotate, resample=Image.Resampling.BILINEAR, fillcolor=(paper,) * 3 if color else paper)
    if spec.noise:
        _speckle(img, spec.noise, rng)
    return img


def _speckle(img: Image.Image, share: float, rng: random.Random) -> None:
    w, h = img.size
    pixels = img.load()
    assert pixels is not None
    dark = (60, 60, 60) if img.mode == "RGB" else 60
    for _ in range(int(w * h * share / 4)):  # small 2x2 specks
        x, y = rng.randrange(w - 1), rng.randrange(h - 1)
        for dx in (0, 1):
            for dy in (0, 1):
                pixels[x + dx, y + dy] = dark


SCAN_TIME = dt.datetime(2026, 1, 1, 9, 0, 0)


def pdf_from_images(images: list[Image.Image], *, dpi: int = 200, bilevel: bool = False, quality: int = 70,
                    created: dt.datetime = SCAN_TIME) -> bytes:
    """A PDF with one image per page, as a scanner writes it: JPEG (DCT) or CCITT G4.

    Deterministic: the PDF's dates are ``created`` (not the current time)."""
    if bilevel:
        images = [im.convert("L").point(lambda v: 255 if v > 150 else 0).convert("1", dither=Image.Dither.NONE)
                  for im in images]
    out = io.BytesIO()
    first, rest = images[0], images[1:]
    extra: dict[str, object] = {"creationDate": created.timetuple(), "modDate": created.timetuple()}
    if not bilevel:
        extra["quality"] = quality
    first.save(out, format="PDF", save_all=True, append_images=rest, resolution=float(dpi), **extra)
    return out.getvalue()


def scan(specs: list[PageSpec], path: Path | None = None, *, dpi: int = 200, bilevel: bool = False,
         seed: int = 0, color: bool = False) -> bytes:
    """Render ``specs`` (one per scanned side, in order) into a scan PDF; write it to ``path``."""
    images = [render_page(s, dpi=dpi, seed=seed * 1000 + i, color=color) for i, s in enumerate(specs)]
    data = pdf_from_images(images, dpi=dpi, bilevel=bilevel)
    if path is not None:
        path.write_bytes(data)
    return data


def text_page(title: str, n_lines: int = 12, seed: int = 0, **kw: object) -> PageSpec:
    """A printed page with a title and ``n_lines`` lines of plausible Chinese text."""
    rng = random.Random(seed)
    words = ["客户", "合同", "销售", "信用", "评估", "报告", "统计", "资质", "评级", "分析", "信息", "金额",
             "日期", "付款", "交货", "条款", "双方", "甲方", "乙方", "签订", "履行", "期限", "人民币", "万元"]
    lines = ["".join(rng.choice(words) for _ in range(rng.randint(8, 16))) + "。" for _ in range(n_lines)]
    return PageSpec(lines=lines, title=title, **kw)  # type: ignore[arg-type]
