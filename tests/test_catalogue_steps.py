"""The steps of a catalogue build (:mod:`archiver.catalogue.steps`) one by one, each on
the build's context: which customers are kept, what is read, what may be shown, what is
written. (Whole builds, incremental and full, are in test_catalogue.py.)"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from catalogue_helpers import Populated, populate
from conftest import Clock

from archiver.catalogue import known, steps
from archiver.catalogue.build import build_site
from archiver.store import Archive


@pytest.fixture
def pop(archive_root: Path, drop: Callable[..., Path], clock: Clock) -> Populated:
    clock.set("2026-11-26T10:00:00+08:00")
    return populate(archive_root, drop)


def test_open_lists_and_fingerprints_every_customer(pop: Populated) -> None:
    stage = steps.open_stage(Archive.open(pop.root), None, None)
    assert set(stage.folders) == {"C0001", "C0002", "C0003", "X0001"}
    assert set(stage.fingerprints) == set(stage.folders) and len(set(stage.fingerprints.values())) == 4
    assert stage.have == set()  # no thumbnail made yet
    assert stage.output.folder == (pop.root / "site").resolve()


def test_only_customers_unchanged_since_the_folders_build_are_kept(pop: Populated) -> None:
    archive = Archive.open(pop.root)
    build_site(archive)
    earlier = known.load(archive.state)
    stage = steps.open_stage(archive, None, None)
    assert set(steps.kept_customers(stage, earlier)) == {"C0001", "C0002", "C0003", "X0001"}
    build_site(archive)  # (an opened stage marks the folder as being built: finish it)
    (pop.root / "site" / "customers" / "C0003" / "index.html").unlink()  # one of its files gone
    stage = steps.open_stage(archive, None, None)
    stage.fingerprints["C0002"] = "its material changed"
    assert set(steps.kept_customers(stage, earlier)) == {"C0001", "X0001"}
    interrupted = steps.open_stage(archive, None, None)  # the last one did not finish: nothing is kept
    assert steps.kept_customers(interrupted, earlier) == {}


def test_read_material_refuses_a_folder_holding_another_customers_record(pop: Populated) -> None:
    rec = pop.records["rating"]  # of C0001, moved (wrongly) into C0003's folder
    folder = pop.root / "records" / "C0003" / "2026"
    folder.mkdir(parents=True, exist_ok=True)
    for p in (rec.path, rec.sidecar_path):
        p.rename(folder / p.name)
    stage = steps.open_stage(Archive.open(pop.root), None, None)
    assert steps.read_material(stage, [stage.folders["C0003"]], own=True) is None
    whole = steps.read_material(stage, list(stage.folders.values()), own=False)
    assert whole is not None and not whole.remember
    assert rec.id in {r.id for r in whole.records["C0001"]}  # grouped by the customer it names


def test_files_model_render_and_write_of_one_customer(pop: Populated) -> None:
    stage = steps.open_stage(Archive.open(pop.root), None, None)
    material = steps.read_material(stage, [stage.folders["C0002"]], own=True)
    assert material is not None and material.codes == ["C0002"]
    files = steps.make_files(stage, material)
    secret, beside = pop.records["secret"], pop.records["beside"]
    wanted = {sha for sha, _pdf, _cover in files.wanted["C0002"]}
    assert secret.file.sha256 not in wanted and beside.file.sha256 in wanted  # Art. 24: never a thumbnail
    assert pop.volumes["secret"].file_sha256 not in wanted  # the volume holding it neither
    assert files.made == len(wanted) and files.ready == wanted
    parts = steps.model_customers(stage, material, files)
    pages = steps.render_customer(stage, parts["C0002"])
    assert [rel for rel, _data in pages][0] == "customers/C0002/index.html"
    written = steps.write_customer(stage, material, files, parts["C0002"], pages)
    assert written.missing == [] and written.known.complete and written.known.restricted == 1
    assert written.known.pages == len(pages)
    assert all((stage.output.folder / rel).is_file() for rel in written.known.outputs)
