"""Test doubles and measures for the OCR tests (and benchmarks/bench_ocr.py)."""

from __future__ import annotations

import unicodedata

from PIL import Image, ImageOps

from archiver.ocr.engine import EngineInfo, Recognised


def cer(expected: str, got: str) -> float:
    """Character error rate: edit distance / length of ``expected``; whitespace ignored,
    full-width forms folded (NFKC), so "，" and "," count as one character."""
    a = [c for c in unicodedata.normalize("NFKC", expected) if not c.isspace()]
    b = [c for c in unicodedata.normalize("NFKC", got) if not c.isspace()]
    if not a:
        return 0.0 if not b else 1.0
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
        prev = cur
    return prev[-1] / len(a)


def ink_box(image: Image.Image, threshold: int = 128) -> tuple[int, int, int, int] | None:
    """The box of every pixel darker than ``threshold`` (None: no ink)."""
    grey = ImageOps.invert(image.convert("L")).point(lambda v: 255 if v > 255 - threshold else 0)
    return grey.getbbox()


class FakeEngine:
    """An engine that "recognises" one line, ``text``, over the page's ink (its real
    box in the rendered image) — or nothing on a page without ink. ``fail_on``: the
    calls (from 1) that raise, as a broken engine would."""

    def __init__(self, text: str = "减速器采购合同", fail_on: tuple[int, ...] = ()) -> None:
        self.text = text
        self.fail_on = fail_on
        self.calls = 0
        self.sizes: list[tuple[int, int]] = []

    @property
    def info(self) -> EngineInfo:
        return EngineInfo("fake", "1", {"det": "none"})

    def recognise(self, image: Image.Image) -> list[Recognised]:
        self.calls += 1
        self.sizes.append(image.size)
        if self.calls in self.fail_on:
            raise RuntimeError("the engine choked")
        box = ink_box(image)
        if box is None:
            return []
        return [Recognised(self.text, (float(box[0]), float(box[1]), float(box[2]), float(box[3])), 0.9)]
