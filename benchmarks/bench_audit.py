"""Benchmark: the full audit (``archiver audit``) against ``sha256sum`` of the same files.

The audit reads every record and volume PDF once, hashes it and opens it with pikepdf from
the same bytes; the baselines only hash: coreutils ``sha256sum``, and Python's hashlib
reading each file once (the same SHA-256 code the audit uses, so that ratio is the cost of
reading sidecars, opening PDFs and checking). Both run on a warm page
cache (each is run once to warm up, then timed over ``--repeat`` runs, best taken), so the
ratio shows what the audit's own work costs on top of hashing. Also timed: ``--fast``.

    python benchmarks/bench_audit.py [--records 400] [--pages 4] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archiver.atomic import READ_ONLY_MODE, write_bytes_atomic  # noqa: E402
from archiver.config import CONFIG_NAME, template_text  # noqa: E402
from archiver.custody.audit.run import run_audit  # noqa: E402
from archiver.customers import Customer, write_customer  # noqa: E402
from archiver.model import FileInfo, FilingInfo, Metadata, Record  # noqa: E402
from archiver.store import Archive, write_record  # noqa: E402
from archiver.synth import scan, text_page  # noqa: E402


def make_archive(root: Path, n_records: int, pages: int) -> list[Path]:
    """An archive of ``n_records`` filed scans (written directly, not through ingest)."""
    (root / CONFIG_NAME).write_text(template_text(), "utf-8")
    (root / CONFIG_NAME).chmod(0o640)
    archive = Archive.open(root)
    customers = [f"C{i:04d}" for i in range(1, 11)]
    for code in customers:
        write_customer(archive.customers_dir, Customer(code, f"测试客户{code}"))
    bases = [scan([text_page(f"第{p + 1}页", n_lines=20, seed=s * 10 + p) for p in range(pages)], dpi=200, seed=s)
             for s in range(8)]
    files = []
    filed_at = dt.datetime(2026, 11, 1, 9, 0).astimezone()
    for i in range(n_records):
        data = bases[i % len(bases)] + f"\n%record {i}\n".encode()  # unique bytes, still a valid PDF
        sha = hashlib.sha256(data).hexdigest()
        customer = customers[i % len(customers)]
        date = dt.date(2025, 1 + i % 12, 1 + i % 28)
        rid = f"{date:%Y%m%d}-contract-{sha[:8]}"
        path = archive.record_dir(customer, date.year) / f"{rid}.pdf"
        write_bytes_atomic(path, data, mode=READ_ONLY_MODE)  # as filing stores a scan
        write_record(Record(rid, Metadata(customer, "contract", date, f"合同 {i}"),
                            FileInfo(path.name, sha, len(data), pages),
                            FilingInfo(f"{rid}.pdf", len(data), 0, "sidecar", filed_at, "bench"), "long-term", path))
        files.append(path)
    return files


def best(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    fn()  # warm the page cache
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=400)
    ap.add_argument("--pages", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = make_archive(root, args.records, args.pages)
        total = sum(p.stat().st_size for p in files)
        archive = Archive.open(root)

        def full() -> None:
            report = run_audit(archive)
            assert report.result == "ok" and report.bytes == total, report.errors[:3]

        def fast() -> None:
            assert run_audit(archive, fast=True).result == "ok"

        def baseline() -> None:
            subprocess.run(["sha256sum", *map(str, files)], check=True, stdout=subprocess.DEVNULL)

        def hash_only() -> None:
            for p in files:
                hashlib.sha256(p.read_bytes()).hexdigest()

        t_full = best(full, args.repeat)
        t_fast = best(fast, args.repeat)
        t_base = best(baseline, args.repeat)
        t_hash = best(hash_only, args.repeat)
    mb = total / 1e6
    print(f"{len(files)} record PDFs, {mb:.1f} MB (warm cache, best of {args.repeat})")
    print(f"  sha256sum (baseline)      {t_base:7.3f} s  {mb / t_base:8.1f} MB/s")
    print(f"  hashlib read+sha256 only  {t_hash:7.3f} s  {mb / t_hash:8.1f} MB/s")
    print(f"  archiver audit (full)     {t_full:7.3f} s  {mb / t_full:8.1f} MB/s")
    print(f"  archiver audit --fast     {t_fast:7.3f} s")
    print(f"  ratio full audit / sha256sum: {t_full / t_base:.2f}")
    print(f"  ratio full audit / hashlib hash-only: {t_full / t_hash:.2f} (the cost of sidecars, pikepdf and checks)")


if __name__ == "__main__":
    main()
