"""Benchmark: building a volume (stamping + merging) against a plain pikepdf merge.

    python benchmarks/bench_build.py [--pages 500] [--dpi 100] [--memory-pages 2000]

1. Time: a volume of ``--pages`` scanned pages (synthetic JPEG scans from
   archiver.synth, ``--dpi``), built the way ``archiver build`` does it minus the forms
   and the blank detection — layout (Art. 16), copying every page, stamping the numbered
   ones, page labels, atomic deterministic save — against pikepdf merging and saving the
   same pages with no stamps, in the same run. Prints the ratio (target ≤ 1.3).
2. Memory: peak resident memory (ru_maxrss of a fresh subprocess) while building a
   ``--memory-pages`` volume, and of the plain merge of the same pages.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pikepdf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archiver.synth import scan, text_page  # noqa: E402
from archiver.volumes import pages as pg  # noqa: E402
from archiver.volumes.assemble import page_labels, save_atomic, set_id, set_page_labels, write_pages  # noqa: E402
from archiver.volumes.stamp import StampStyle  # noqa: E402

DOC_PAGES = 20


def make_scans(folder: Path, pages: int, dpi: int) -> list[Path]:
    """Distinct synthetic scans of DOC_PAGES pages each, every 7th page blank-ish."""
    out = []
    for d in range((pages + DOC_PAGES - 1) // DOC_PAGES):
        n = min(DOC_PAGES, pages - d * DOC_PAGES)
        specs = [text_page(f"文件{d}第{i + 1}页", n_lines=10, seed=d * 100 + i) for i in range(n)]
        path = folder / f"doc{d:03d}.pdf"
        scan(specs, path, dpi=dpi, seed=d)
        out.append(path)
    return out


def build_volume(paths: list[Path], target: Path) -> None:
    """What assemble() does with the pages, minus forms and blank detection."""
    sources = [pikepdf.open(p) for p in paths]
    try:
        parts = [pg.Part(p.stem, pg.DOCUMENT, tuple(i % 7 == 6 for i in range(len(s.pages))))
                 for p, s in zip(paths, sources, strict=True)]
        slots = pg.layout(parts)
        with pikepdf.new() as out:
            write_pages(out, sources, slots, StampStyle())
            set_page_labels(out, page_labels(parts, slots))
            set_id(out, "sha256:bench", target.stem)
            save_atomic(out, target)
    finally:
        for s in sources:
            s.close()


def plain_merge(paths: list[Path], target: Path) -> None:
    """The baseline: the same pages merged and saved by pikepdf, no stamps, no blanks."""
    sources = [pikepdf.open(p) for p in paths]
    try:
        with pikepdf.new() as out:
            for s in sources:
                out.pages.extend(s.pages)
            out.save(target, stream_decode_level=pikepdf.StreamDecodeLevel.none,
                     object_stream_mode=pikepdf.ObjectStreamMode.generate)
    finally:
        for s in sources:
            s.close()


def plain_merge_atomic(paths: list[Path], target: Path) -> None:
    """The baseline again, saved the way the archive saves every file (Art. 21: temporary
    file, fsync, rename) — isolates what stamping and layout cost."""
    sources = [pikepdf.open(p) for p in paths]
    try:
        with pikepdf.new() as out:
            for s in sources:
                out.pages.extend(s.pages)
            save_atomic(out, target)
    finally:
        for s in sources:
            s.close()


def interleaved(n: int, jobs: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Run the jobs alternately ``n`` times; the best wall-clock and CPU time of each
    (alternating keeps a busy machine's noise from favouring one side)."""
    wall: dict[str, list[float]] = {k: [] for k in jobs}
    cpu: dict[str, list[float]] = {k: [] for k in jobs}
    for _ in range(n):
        for name, (fn, args) in jobs.items():
            t, c = time.perf_counter(), time.process_time()
            fn(*args)
            wall[name].append(time.perf_counter() - t)
            cpu[name].append(time.process_time() - c)
    return {k: (min(wall[k]), min(cpu[k])) for k in jobs}


def child(mode: str, folder: str, repeat: int) -> None:
    paths = sorted(Path(folder).glob("doc*.pdf")) * repeat
    target = Path(folder) / f"mem-{mode}.pdf"
    (build_volume if mode == "build" else plain_merge)(paths, target)
    with pikepdf.open(target) as pdf:
        n = len(pdf.pages)
    print(json.dumps({"maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "pages": n,
                      "size": target.stat().st_size}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=500)
    ap.add_argument("--dpi", type=int, default=100)
    ap.add_argument("--memory-pages", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=9, help="timing runs (best of)")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        paths = make_scans(folder, args.pages, args.dpi)
        scans_size = sum(p.stat().st_size for p in paths)
        print(f"made {args.pages} synthetic JPEG scan pages at {args.dpi} dpi in {len(paths)} files "
              f"({scans_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s")
        vol, base = folder / "volume.pdf", folder / "plain.pdf"
        build_volume(paths, vol)  # warm up caches
        plain_merge(paths, base)
        base2 = folder / "plain-atomic.pdf"
        best = interleaved(args.repeat, {"build": (build_volume, (paths, vol)), "plain": (plain_merge, (paths, base)),
                                         "atomic": (plain_merge_atomic, (paths, base2))})
        (w_build, c_build), (w_plain, c_plain), (w_atomic, c_atomic) = best["build"], best["plain"], best["atomic"]
        with pikepdf.open(vol) as pdf:
            n_pages = len(pdf.pages)
        print(f"build (layout + copy + stamp + labels + atomic save with fsync): {w_build * 1000:7.1f} ms wall, "
              f"{c_build * 1000:7.1f} ms CPU  ({vol.stat().st_size / 1e6:.2f} MB, {n_pages} PDF pages)")
        print(f"plain pikepdf merge + save, no stamps:                          {w_plain * 1000:7.1f} ms wall, "
              f"{c_plain * 1000:7.1f} ms CPU  ({base.stat().st_size / 1e6:.2f} MB)")
        print(f"plain merge + the same atomic save (fsync, rename), no stamps: {w_atomic * 1000:7.1f} ms wall, "
              f"{c_atomic * 1000:7.1f} ms CPU")
        print(f"ratio build / plain:        {w_build / w_plain:.2f} wall, {c_build / c_plain:.2f} CPU  (target ≤ 1.3)")
        print(f"ratio build / plain+atomic: {w_build / w_atomic:.2f} wall, {c_build / c_atomic:.2f} CPU")
        print(f"size: volume / sum of scans = {vol.stat().st_size / scans_size:.4f}")

        repeat = max(1, -(-args.memory_pages // args.pages))
        for mode in ("build", "plain") if args.memory_pages else ():
            out = subprocess.run([sys.executable, __file__, "--child", mode, tmp, str(repeat)],
                                 check=True, capture_output=True, text=True).stdout
            data = json.loads(out)
            print(f"peak memory, {mode:5s} {data['pages']} pages ({data['size'] / 1e6:.0f} MB file): "
                  f"{data['maxrss_kb'] / 1024:.0f} MB RSS")


if __name__ == "__main__":
    main()
