"""archiver.filing.describe: the first source that says what a scan is — its sidecar,
else its folder, else its file name; none: ``no-metadata``."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from archiver.errors import Rejection
from archiver.filing.describe import CustomerSet, describe

TODAY = dt.date(2026, 11, 26)


def put(archive, rel: str, sidecar: str | None = None):  # type: ignore[no-untyped-def]
    path = archive.inbox / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.7")
    written = dt.datetime(2026, 3, 4, 12, 0).timestamp()  # a folder's scan is dated by its writing
    os.utime(path, (written, written))
    side = None
    if sidecar is not None:
        side = path.with_suffix(".toml")
        side.write_text(sidecar, "utf-8")
    return path, os.lstat(path), side


def test_the_sidecar_comes_first(archive) -> None:
    path, info, side = put(archive, "C0002_contract_20260105_x.pdf",
                           'customer = "C0001"\ntype = "contract"\ndate = 2026-02-03\n')
    found = describe(archive, path, info, side, TODAY)
    assert (found.source, found.meta.customer, found.meta.date) == ("sidecar", "C0001", dt.date(2026, 2, 3))


def test_then_the_folder_then_the_file_name(archive) -> None:
    path, info, _ = put(archive, "C0001/contract/scan.pdf")
    found = describe(archive, path, info, None, TODAY)
    assert (found.source, found.meta.date) == ("folder", dt.date(2026, 3, 4))
    path, info, _ = put(archive, "C0002_contract_20260105_x.pdf")
    found = describe(archive, path, info, None, TODAY)
    assert (found.source, found.meta.customer) == ("filename", "C0002")


def test_a_scan_nothing_describes_is_no_metadata(archive) -> None:
    path, info, _ = put(archive, "scan0001.pdf")
    with pytest.raises(Rejection) as exc:
        describe(archive, path, info, None, TODAY)
    assert exc.value.code == "no-metadata"


def test_a_sidecar_that_is_not_a_file_is_never_opened(archive) -> None:
    path, info, _ = put(archive, "a.pdf")
    side = archive.inbox / "a.toml"
    os.mkfifo(side)
    with pytest.raises(Rejection) as exc:
        describe(archive, path, info, side, TODAY)
    assert exc.value.code == "not-a-file"


def test_customers_are_the_profiles_on_disk(archive) -> None:
    customers = CustomerSet(archive)
    assert "C0001" in customers and "C0999" not in customers and 7 not in customers
    assert sorted(customers) == sorted(p.parent.name for p in archive.customers_dir.glob("*/customer.toml"))
    assert len(customers) == len(list(customers))
