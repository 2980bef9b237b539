"""Benchmark: ``archiver build`` as a user runs it, against plain merges of the same records.

    .venv/bin/python benchmarks/bench_build.py [--pages 500] [--dpi 300] [--repeat 3]
                                               [--memory-pages 2000] [--memory-dpi 200]

An archive is made (``archiver init``, one customer, synthetic JPEG scans from
archiver.synth of 20 pages each, filed with ``archiver ingest``); then, each in a fresh
process, alternately, best of ``--repeat``:

* ``first``: the whole ``archiver build`` process on a copy of the archive that has never
  been built (blank detection, forms, assembly, PDF/A preparation and validation, manifest,
  registers — everything);
* ``first-blanks``: the same with the blank-page decisions already cached (forms, PDF/A
  and validation still new: what the first build costs besides blank detection);
* ``force``: ``archiver build --force`` on a built copy (blank decisions cached);
* ``pikepdf``: a fresh Python process that opens the same record PDFs with pikepdf, merges
  them (``pages.extend``) and saves (no stream decoded) — the baseline;
* ``qpdf``: ``qpdf --empty --pages <records> -- out.pdf``;
* ``validate``: a fresh Python process that only validates the built volume as a build
  does (:func:`archiver.volumes.pdfa.check`: pikepdf's PDF/A validator) — a part of every
  first build, for scale.

archiver is byte-compiled first, as ``scripts/install.sh`` leaves it. Prints the times
and the ratios first / pikepdf (target ≤ 2.0) and force / pikepdf (target ≤ 1.3). Then peak resident memory (ru_maxrss of the process, from wait4) of a first
``archiver build`` of one ``--memory-pages`` volume at ``--memory-dpi`` (target ≤ 200 MB,
whatever the size), and of the two baselines on the same records.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archiver.synth import scan, text_page  # noqa: E402

DOC_PAGES = 20
BIN = Path(sys.executable).parent
ARCHIVER = [str(BIN / "archiver")] if (BIN / "archiver").exists() else [sys.executable, "-m", "archiver"]
PLAIN_MERGE = """
import sys, pikepdf
out = pikepdf.new()
sources = [pikepdf.open(p) for p in sys.argv[2:]]
for s in sources:
    out.pages.extend(s.pages)
out.save(sys.argv[1], stream_decode_level=pikepdf.StreamDecodeLevel.none,
         object_stream_mode=pikepdf.ObjectStreamMode.generate)
"""


# Starts the measured command from a small fresh process and reports its peak RSS: a child
# forked straight from this (large) process would count the pages it shared before exec.
LAUNCHER = """
import resource, subprocess, sys, time
t = time.perf_counter()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc)
"""


VALIDATE = """
import sys
from pathlib import Path
from archiver.volumes.pdfa import check
sys.exit(0 if check(Path(sys.argv[1])).valid else 1)
"""


def run(args: list[str], *, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run a command to completion: (wall seconds, peak RSS in MB)."""
    proc = subprocess.run([sys.executable, "-c", LAUNCHER, *args], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])} … failed:\n{proc.stderr}")
    wall, rss_kb = proc.stdout.split()
    return float(wall), int(rss_kb) / 1024


def make_archive(folder: Path, pages: int, dpi: int) -> Path:
    """A filed archive with ``pages`` scanned pages for one customer, in one year — one
    volume (``volumes.max_sheets`` raised to hold them all)."""
    root = folder / "archive"
    env = {**os.environ, "ARCHIVER_ROOT": str(root)}
    subprocess.run([*ARCHIVER, "init", str(root)], check=True, capture_output=True)
    config = root / "archive.toml"
    text = config.read_text("utf-8")
    config.write_text(re.sub(r"^max_sheets = .*$", f"max_sheets = {max(200, pages)}", text, count=1, flags=re.M),
                      "utf-8")
    subprocess.run([*ARCHIVER, "customer", "add", "C0001", "--name", "上海明远贸易有限公司", "--legal-representative",
                    "张伟", "--address", "上海市浦东新区世纪大道100号", "--postcode", "200120"],
                   check=True, capture_output=True, env=env)
    inbox = root / "inbox"
    for d in range((pages + DOC_PAGES - 1) // DOC_PAGES):
        n = min(DOC_PAGES, pages - d * DOC_PAGES)
        specs = [text_page(f"文件{d}第{i + 1}页", n_lines=10, seed=d * 100 + i) for i in range(n)]
        day = 1 + d % 28
        scan(specs, inbox / f"C0001_contract_202603{day:02d}_合同{d:03d}.pdf", dpi=dpi, seed=d)
    subprocess.run([*ARCHIVER, "ingest", "--stable-seconds", "0"], check=True, capture_output=True, env=env)
    return root


def records(root: Path) -> list[Path]:
    return sorted(p for p in (root / "records").rglob("*.pdf") if not p.name.startswith("."))


def build(root: Path, *extra: str) -> tuple[float, float]:
    env = {**os.environ, "ARCHIVER_ROOT": str(root)}
    return run([*ARCHIVER, "build", "--checker", "李强", *extra], env=env)


def fresh_copy(pristine: Path, work: Path) -> Path:
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(pristine, work, symlinks=True)
    return work


def volume_stats(root: Path) -> str:
    vols = sorted((root / "volumes").glob("*/*/*.pdf"))
    size = sum(v.stat().st_size for v in vols)
    import tomllib

    pages = sum(tomllib.loads(v.with_suffix(".toml").read_text("utf-8"))["file"]["page_count"] for v in vols)
    valid = [tomllib.loads(v.with_suffix(".toml").read_text("utf-8")).get("pdfa", {}).get("verdict") for v in vols]
    return f"{len(vols)} volume(s), {pages} PDF pages, {size / 1e6:.0f} MB, PDF/A verdicts {valid}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=500, help="0: no timing run")
    ap.add_argument("--dpi", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3, help="timing runs (best of)")
    ap.add_argument("--memory-pages", type=int, default=2000, help="0: no memory run")
    ap.add_argument("--memory-dpi", type=int, default=200)
    args = ap.parse_args()
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "archiver")], check=True,
                   stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        folder = Path(tmp)
        merged = folder / "merged.pdf"
        if args.pages:
            timing(folder, args)
        if args.memory_pages:
            memory(folder, args, merged)


def timing(folder: Path, args: argparse.Namespace) -> None:
    t = time.perf_counter()
    pristine = make_archive(folder / "timing", args.pages, args.dpi)
    recs = records(pristine)
    size = sum(p.stat().st_size for p in recs)
    print(f"made and filed {args.pages} synthetic scan pages at {args.dpi} dpi in {len(recs)} records "
          f"({size / 1e6:.0f} MB) in {time.perf_counter() - t:.0f} s")
    first_copy, built = folder / "first", folder / "built"
    fresh_copy(pristine, built)
    build(built)  # the copy --force rebuilds (its blank decisions are cached)
    print(f"built: {volume_stats(built)}")
    times: dict[str, list[float]] = {"first": [], "first-blanks": [], "force": [], "pikepdf": [], "qpdf": [],
                                     "validate": []}
    volume = next((built / "volumes").glob("*/*/*.pdf"))
    merged = folder / "merged.pdf"
    for _ in range(args.repeat):
        fresh_copy(pristine, first_copy)
        times["first"].append(build(first_copy)[0])
        fresh_copy(pristine, first_copy)  # again, with only the blank decisions (issue 10's formats part) kept
        shutil.copytree(built / ".archiver" / "blank", first_copy / ".archiver" / "blank", dirs_exist_ok=True)
        times["first-blanks"].append(build(first_copy)[0])
        shutil.rmtree(built / "volumes" / ".superseded", ignore_errors=True)
        times["force"].append(build(built, "--force")[0])
        times["pikepdf"].append(run([sys.executable, "-c", PLAIN_MERGE, str(merged), *map(str, recs)])[0])
        merged.unlink()
        qpdf_args = [x for p in recs for x in (str(p), "1-z")]
        times["qpdf"].append(run(["qpdf", "--empty", "--pages", *qpdf_args, "--", str(merged)])[0])
        merged.unlink()
        times["validate"].append(run([sys.executable, "-c", VALIDATE, str(volume)])[0])
    best = {k: min(v) for k, v in times.items()}
    base = best["pikepdf"]
    for name, label in (("first", "archiver build (first build, whole process)"),
                        ("first-blanks", "first build, only blank decisions cached"),
                        ("force", "archiver build --force (blank decisions cached)"),
                        ("pikepdf", "plain pikepdf merge + save, fresh process"),
                        ("qpdf", "qpdf --empty --pages … --"),
                        ("validate", "PDF/A check of the volume alone, fresh process")):
        print(f"{label:48s} {best[name]:6.2f} s   ({best[name] / base:.2f} × pikepdf)   runs: "
              + ", ".join(f"{v:.2f}" for v in times[name]))
    print(f"ratio first build / pikepdf merge: {best['first'] / base:.2f}  (target ≤ 2.0)")
    print(f"ratio --force     / pikepdf merge: {best['force'] / base:.2f}  (target ≤ 1.3)")
    shutil.rmtree(folder / "first", ignore_errors=True)
    shutil.rmtree(folder / "built", ignore_errors=True)
    shutil.rmtree(folder / "timing", ignore_errors=True)


def memory(folder: Path, args: argparse.Namespace, merged: Path) -> None:
    t = time.perf_counter()
    mem = make_archive(folder / "memory", args.memory_pages, args.memory_dpi)
    recs = records(mem)
    print(f"\nmade and filed {args.memory_pages} pages at {args.memory_dpi} dpi in {len(recs)} records "
          f"({sum(p.stat().st_size for p in recs) / 1e6:.0f} MB) in {time.perf_counter() - t:.0f} s")
    wall, rss = build(mem)
    print(f"peak RSS, archiver build (first):       {rss:6.0f} MB  ({wall:.1f} s; {volume_stats(mem)})  "
          "(target ≤ 200 MB)")
    _, rss = run([sys.executable, "-c", PLAIN_MERGE, str(merged), *map(str, recs)])
    print(f"peak RSS, plain pikepdf merge + save:   {rss:6.0f} MB")
    merged.unlink()
    _, rss = run(["qpdf", "--empty", "--pages", *[x for p in recs for x in (str(p), "1-z")], "--", str(merged)])
    print(f"peak RSS, qpdf --empty --pages … --:    {rss:6.0f} MB")


if __name__ == "__main__":
    main()
