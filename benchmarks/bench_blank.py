"""Blank-page detection: speed against a full decode, and not one wrong answer.

Over a mixed stack of generated one-page scans (``archiver.synth_formats.mixed_scans``:
blank backs, specks, punch holes, show-through, all defects and skew; one handwritten
line; a stamp; printed pages — in grey and RGB JPEG, CCITT G4 / G3 2-D (with /Decode
[1 0] too), 1-bit Flate with /Decode [1 0], 1-bit palettes and JPEG 2000, at 300 and
200 dpi) and over every page of the real files in tests/fixtures/corpus, measured in
the same run:

* **detect** — ``page_is_blank`` as build and the batch splitter call it;
* **baseline** — decoding the same pages' images at full size (pikepdf/Pillow), with
  nothing judged: what "decode every page" costs.

Any decision that differs from what the page is (blank / written) is a wrong answer;
the run fails (exit 1) on any. Also printed: the compressed size of each kind's images
per encoding (kB), which shows why stream size alone cannot decide a page.

    .venv/bin/python benchmarks/bench_blank.py [--pages 500] [--repeat 3]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import time
from collections import defaultdict
from pathlib import Path

import pikepdf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archiver import scanimage  # noqa: E402
from archiver.synth_formats import mixed_scans  # noqa: E402
from archiver.volumes.blank import page_is_blank  # noqa: E402

# The corpus pages whose answer is known (written scans); the others need only a decision.
CORPUS_WRITTEN = {"jbig2.pdf", "jbig2global.pdf", "ccitt-endofline-true.pdf", "congress.pdf", "congress-gray.pdf",
                  "sandwich.pdf", "cmyk-jpeg.pdf", "pal.pdf", "pal-1bit-rgb.pdf", "pal-1bit-trivial.pdf", "rle.pdf",
                  "pike-jp2.pdf", "pike-flate-jp2.pdf", "1biticc.pdf", "image-mono-inline.pdf", "fourpages.pdf"}


def full_decode(page: pikepdf.Page) -> None:
    for image in page.get_images().values():
        with contextlib.suppress(Exception):  # the baseline only spends the time
            pikepdf.PdfImage(image).as_pil_image().load()


def timed(fn, pages, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Best wall and CPU milliseconds per page over ``repeat`` runs."""
    walls, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        for page in pages:
            fn(page)
        walls.append((time.perf_counter() - start) / len(pages) * 1000)
        cpus.append((time.process_time() - cpu) / len(pages) * 1000)
    return min(walls), min(cpus)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    start = time.perf_counter()
    scans = mixed_scans(args.pages, seed=11)
    print(f"{len(scans)} generated scans in {time.perf_counter() - start:.0f} s; "
          f"scanimage limits {scanimage.DEFAULT_LIMITS}")
    docs = [pikepdf.open(io.BytesIO(data)) for *_, data in scans]
    groups: dict[str, list[pikepdf.Page]] = defaultdict(list)
    sizes: dict[tuple[str, str], list[int]] = defaultdict(list)
    wrong: list[str] = []
    for (kind, encoding, dpi, is_blank, _), doc in zip(scans, docs, strict=True):
        page = doc.pages[0]
        groups[encoding].append(page)
        groups["all generated"].append(page)
        got = page_is_blank(page)
        if got is not is_blank:
            wrong.append(f"{kind} / {encoding} / {dpi} dpi: {'blank' if got else 'written'}")
        image = next(iter(page.get_images().values()))
        sizes[kind, encoding].append(len(image.read_raw_bytes()) * 300 * 300 // (dpi * dpi))  # per 300-dpi area

    corpus = []
    for path in sorted((ROOT / "tests" / "fixtures" / "corpus").glob("*.pdf")):
        try:
            doc = pikepdf.open(path)
        except (pikepdf.PdfError, pikepdf.PasswordError):
            continue  # encrypted, fuzz: set aside by filing, never judged
        docs.append(doc)
        for page in doc.pages:
            got = page_is_blank(page)
            corpus.append(page)
            if path.name in CORPUS_WRITTEN and got:
                wrong.append(f"corpus {path.name}: blank")
    groups["corpus"] = corpus

    print(f"\n{'pages':22} {'n':>4} {'detect ms':>10} {'baseline ms':>12} {'ratio':>6}   "
          f"{'(CPU: detect':>12} {'baseline':>9} {'ratio)':>7}")
    for name, pages in sorted(groups.items(), key=lambda kv: (kv[0] in ("all generated", "corpus"), kv[0])):
        detect = timed(page_is_blank, pages, args.repeat)
        base = timed(full_decode, pages, args.repeat)
        print(f"{name:22} {len(pages):4d} {detect[0]:10.2f} {base[0]:12.2f} {detect[0] / base[0]:6.2f}   "
              f"{detect[1]:12.2f} {base[1]:9.2f} {detect[1] / base[1]:7.2f}")

    print("\ncompressed image size per kind (kB, scaled to a 300 dpi page): min–max")
    encodings = sorted({e for _, e in sizes})
    print(f"{'kind':18}" + "".join(f"{e:>19}" for e in encodings))
    for kind in dict.fromkeys(k for k, _ in sizes):
        cells = [sizes.get((kind, e), []) for e in encodings]
        print(f"{kind:18}" + "".join(f"{min(c) / 1000:9.1f}–{max(c) / 1000:<9.1f}" if c else f"{'':19}" for c in cells))

    judged = len(groups["all generated"]) + len(corpus)
    print(f"\nwrong answers: {len(wrong)} of {judged} pages")
    for line in wrong:
        print("  WRONG:", line)
    print("(goal: ≤ 1 ms a page on average, with no wrong answer; ratio = detect / full decode, same run)")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
