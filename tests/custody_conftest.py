"""Shared custody fixtures (a pytest plugin, registered in ``conftest.py``): the archives the
consultation, loan and disposal tests start from, returned as named data — never a tuple
unpacked by position."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import Clock
from custody_helpers import bind, doc, file_docs

from archiver.model import Record
from archiver.store import Archive
from archiver.volumes.manifest import VolumeManifest


@dataclass(frozen=True)
class Lending:
    """Material to consult and lend (Art. 27–28): C0001's contract and credit report bound
    in ``volume``, its sales statistics ``loose`` (in no volume), and C0002's ``secret``
    credit report (restricted: two approvers)."""

    root: Path
    volume: VolumeManifest
    bound: tuple[Record, Record]
    loose: Record
    secret: Record


@dataclass(frozen=True)
class Expiring:
    """Volumes of every retention (Art. 17, 29) on 2026-11-20: ``expired`` (short-term, filing
    year 2014: kept until 2024-12-31) binding ``expired_records``; ``kept`` (long-term,
    2020) and ``permanent`` (2010), which do not expire."""

    root: Path
    expired: VolumeManifest
    expired_records: tuple[Record, Record]
    kept: VolumeManifest
    permanent: VolumeManifest


@pytest.fixture
def lending(archive_root: Path, drop: Callable[..., Path], clock: Clock) -> Lending:
    records = file_docs(archive_root, drop, [
        doc("C0001", "contract", "2026-03-09", title="销售合同"),
        doc("C0001", "credit-report", "2026-04-09", title="信用评估"),
        doc("C0001", "sales-statistics", "2026-05-09", title="销售统计"),
        doc("C0002", "credit-report", "2026-05-01", title="信用评估", classification="secret"),
    ])  # fmt: skip
    volume = bind(Archive.open(archive_root), records[:2])
    return Lending(archive_root, volume, (records[0], records[1]), records[2], records[3])


@pytest.fixture
def expiring(archive_root: Path, drop: Callable[..., Path], clock: Clock) -> Expiring:
    records = file_docs(archive_root, drop, [
        doc("C0001", "sales-statistics", "2014-03-09", title="2014年3月销售统计"),
        doc("C0001", "analysis-report", "2014-06-30", title="2014年上半年分析报告"),
        doc("C0001", "contract", "2020-03-09", title="销售合同"),
        doc("C0001", "basic-data", "2010-01-05", title="基本资料"),
    ])  # fmt: skip
    archive = Archive.open(archive_root)
    return Expiring(root=archive_root, expired=bind(archive, records[:2]), expired_records=(records[0], records[1]),
                    kept=bind(archive, records[2:3]), permanent=bind(archive, records[3:4]))
