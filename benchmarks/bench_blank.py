"""Blank-page detection speed (issue 3: ≤ 5 ms per page on 300 dpi JPEG and CCITT G4 scans).

Measures ``page_is_blank`` on 300 dpi A4 scans (a realistic mix: printed pages, blank
backs with speckle / punch holes / show-through, handwriting, stamps) against the baseline
of only decoding the same pages' images at full size with Pillow, in the same run.

    python benchmarks/bench_blank.py [--pages 40] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import pikepdf
from pikepdf import PdfImage
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archiver.synth import PageSpec, scan, text_page  # noqa: E402
from archiver.volumes.blank import page_is_blank  # noqa: E402


def specs(n: int) -> list[PageSpec]:
    kinds = [
        lambda i: text_page(f"第{i}页", n_lines=18, seed=i),
        lambda i: PageSpec(noise=0.003, punch_holes=True, show_through=True, rotate=(i % 5) - 2),
        lambda i: text_page(f"附件{i}", n_lines=8, seed=i, stamp=True),
        lambda i: PageSpec(noise=0.002),
        lambda i: PageSpec(handwriting=True, noise=0.002),
    ]
    return [kinds[i % len(kinds)](i) for i in range(n)]


def images(pdf: pikepdf.Pdf) -> list[pikepdf.Object]:
    return [next(iter(p.obj.Resources.XObject.values())) for p in pdf.pages]


def full_decode(image: pikepdf.Object) -> None:
    filters = image.Filter if isinstance(image.Filter, pikepdf.Array) else [image.Filter]
    if str(filters[0]) == "/DCTDecode":
        im = Image.open(io.BytesIO(image.read_raw_bytes()))
        im.load()
    else:
        PdfImage(image).as_pil_image().load()


def best_ms_per_page(fn, items, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Best wall and CPU milliseconds per item over ``repeat`` runs."""
    walls, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        for item in items:
            fn(item)
        walls.append((time.perf_counter() - start) / len(items) * 1000)
        cpus.append((time.process_time() - cpu) / len(items) * 1000)
    return min(walls), min(cpus)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    pages = specs(args.pages)
    print(f"blank-page detection, {args.pages} A4 pages at 300 dpi, best of {args.repeat} runs")
    print(f"{'encoding':10} {'detect ms/page':>15} {'decode ms/page':>15} {'ratio':>7}   "
          f"{'(CPU: detect':>12} {'decode':>7} {'ratio)':>7}   blank pages found")
    for label, bilevel in (("JPEG", False), ("CCITT G4", True)):
        data = scan(pages, dpi=300, bilevel=bilevel, seed=7)
        with pikepdf.open(io.BytesIO(data)) as pdf:
            page_list = list(pdf.pages)
            found = [page_is_blank(p) for p in page_list]  # warm-up and check
            expected = [s.blank for s in pages]
            assert found == expected, f"{label}: wrong decisions {found} vs {expected}"
            detect = best_ms_per_page(page_is_blank, page_list, args.repeat)
            decode = best_ms_per_page(full_decode, images(pdf), args.repeat)
        print(f"{label:10} {detect[0]:15.2f} {decode[0]:15.2f} {detect[0] / decode[0]:7.2f}   "
              f"{detect[1]:12.2f} {decode[1]:7.2f} {detect[1] / decode[1]:7.2f}   {sum(found)}/{len(found)}")
    print("(target ≤ 5 ms per page; ratio = detection / full-size decode of the same images)")


if __name__ == "__main__":
    main()
