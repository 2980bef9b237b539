"""Stamping speed: page numbers with and without looking for ink in the corner (issue 10
item 5), against a plain pikepdf merge + save of the same pages, in the same run.

Scans are 300 dpi A4 (JPEG, and CCITT G4 with ``--bilevel``). Prints the time per page of

* ``merge+save``: copying the pages into a new PDF and saving it (the baseline);
* ``stamp, no look``: the same, plus stamping every page at its default spot;
* ``stamp``: the same, plus looking at each page's corner (what ``archiver build`` does);
* ``full decode``: only decoding every page's image at full size (pikepdf/Pillow) — what
  a naive look at the corner would cost at least;

and the ratios to the baseline, and of the look's own cost (stamp − stamp, no look) to
the full decode.

    python benchmarks/bench_stamp.py [--pages 40] [--repeat 3] [--bilevel]
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import pikepdf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archiver.synth import scan, text_page  # noqa: E402
from archiver.volumes.digits import digit_font  # noqa: E402
from archiver.volumes.placement import StampStyle  # noqa: E402
from archiver.volumes.stamp import Stamper  # noqa: E402


def run(data: bytes, mode: str) -> float:
    start = time.perf_counter()
    with pikepdf.open(io.BytesIO(data)) as src, pikepdf.new() as out:
        out.pages.extend(src.pages)
        if mode != "merge":
            stamper = Stamper(out, StampStyle(), look=mode == "look")
            for i, page in enumerate(out.pages):
                stamper.stamp(page, i + 1, "front" if i % 2 == 0 else "back")
        out.save(io.BytesIO(), stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return time.perf_counter() - start


def full_decode(data: bytes) -> float:
    start = time.perf_counter()
    with pikepdf.open(io.BytesIO(data)) as src:
        for page in src.pages:
            for image in page.obj.Resources.XObject.values():
                pikepdf.PdfImage(image).as_pil_image().load()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--bilevel", action="store_true")
    args = ap.parse_args()
    data = scan([text_page(f"第{i}页", n_lines=12, seed=i) for i in range(args.pages)], dpi=300, bilevel=args.bilevel)
    start = time.perf_counter()
    digit_font()
    print(f"font subset (once per process): {(time.perf_counter() - start) * 1000:.0f} ms")
    best = {mode: min(run(data, mode) for _ in range(args.repeat)) for mode in ("merge", "nolook", "look")}
    best["decode"] = min(full_decode(data) for _ in range(args.repeat))
    for mode, label in (("merge", "merge+save"), ("nolook", "stamp, no look"), ("look", "stamp"),
                        ("decode", "full decode")):
        print(f"{label:16s} {best[mode] / args.pages * 1000:7.2f} ms/page   {best[mode] / best['merge']:6.2f} × merge+save")
    print(f"the look: {(best['look'] - best['nolook']) / best['decode']:.2f} × a full decode of the images")


if __name__ == "__main__":
    main()
