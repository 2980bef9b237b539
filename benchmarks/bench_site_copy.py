"""What giving the catalogue its own files costs (issue 11 item 3), against hard links,
measured in the same run on the same generated archive (bench_site's generator).

1. A first ``archiver site`` into an empty folder with ``catalogue.pdf_files = "copy"``
   (the default: a reflink where the file system supports it, else copy_file_range, else
   a plain copy) against the same with ``"hardlink"``. Reported as a ratio.
2. The PDFs alone: copying every record and volume PDF with :func:`copy_into` against
   hard-linking them, and the extra space the copies take (0 with reflinks).

    python benchmarks/bench_site_copy.py              # 2,000 documents over 40 customers
    python benchmarks/bench_site_copy.py --docs 10000 --customers 200
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_site import generate  # noqa: E402

from archiver.catalogue import copies  # noqa: E402
from archiver.catalogue.build import build_site  # noqa: E402
from archiver.store import Archive  # noqa: E402


def set_mode(root: Path, mode: str) -> None:
    path = root / "archive.toml"
    text = re.sub(r'^pdf_files = ".*"$', f'pdf_files = "{mode}"', path.read_text("utf-8"), count=1, flags=re.M)
    path.write_text(text, "utf-8")


def site_build(root: Path, mode: str, out: Path) -> float:
    set_mode(root, mode)
    shutil.rmtree(out, ignore_errors=True)
    os.sync()
    start = time.perf_counter()
    build_site(Archive.open(root), out)
    return time.perf_counter() - start


def blocks(folder: Path) -> int:
    return sum(p.stat().st_blocks * 512 for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def pdfs_alone(root: Path, work: Path) -> tuple[float, float, dict[str, int], int]:
    sources = sorted(p for top in ("records", "volumes") for p in (root / top).rglob("*.pdf"))
    results = {}
    how: dict[str, int] = {}
    for mode in ("hardlink", "copy"):
        target = work / mode
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        os.sync()
        start = time.perf_counter()
        for i, src in enumerate(sources):
            dst = target / f"{i}.pdf"
            if mode == "hardlink":
                os.link(src, dst)
            else:
                fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
                try:
                    done = copies.copy_into(str(src), fd)
                finally:
                    os.close(fd)
                how[done] = how.get(done, 0) + 1
        os.sync()
        results[mode] = time.perf_counter() - start
    extra = blocks(work / "copy")
    return results["hardlink"], results["copy"], how, extra


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--customers", type=int, default=40)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-site-copy-") as tmp:
        root = Path(tmp) / "archive"
        generate(root, args.docs, args.customers)
        size = sum(p.stat().st_size for top in ("records", "volumes") for p in (root / top).rglob("*.pdf"))
        print(f"archive: {args.docs} documents, {size / 1e6:.1f} MB of PDFs")
        site_build(root, "copy", Path(tmp) / "warm")  # thumbnails cached, templates compiled
        link = min(site_build(root, "hardlink", Path(tmp) / "site") for _ in range(args.runs))
        copy = min(site_build(root, "copy", Path(tmp) / "site") for _ in range(args.runs))
        print(f"first site build: hardlink {link:.2f} s, copy {copy:.2f} s — ratio {copy / link:.2f}")
        best = [pdfs_alone(root, Path(tmp) / "pdfs") for _ in range(args.runs)]
        hl, cp, how, extra = min(best, key=lambda r: r[1])
        print(f"PDFs alone: hardlink {hl:.2f} s, copy {cp:.2f} s — ratio {cp / max(hl, 1e-9):.1f} "
              f"({', '.join(f'{n} by {k}' for k, n in how.items())}); extra space {extra / 1e6:.1f} MB "
              f"({extra / size:.0%} of the PDFs; 0 with reflinks)")


if __name__ == "__main__":
    main()
