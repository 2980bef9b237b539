"""The inputs fingerprint that decides whether a volume is rebuilt."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

from volumes_helpers import make_record

from archiver.config import parse_config, template_text
from archiver.customers import Customer
from archiver.volumes.build import fingerprint
from archiver.volumes.plan import plan_volumes

CONFIG = parse_config(tomllib.loads(template_text()))
CUSTOMER = Customer("C0001", "上海明远贸易有限公司")


def test_fingerprint_changes_with_every_input_and_only_with_them(tmp_path: Path) -> None:
    rec = make_record(tmp_path, "a", pages=2)
    [plan] = plan_volumes([rec], CONFIG)
    sidecars = {"a": "1" * 64}
    base = fingerprint(plan, CONFIG, CUSTOMER, sidecars)
    assert base == fingerprint(plan, CONFIG, CUSTOMER, dict(sidecars))  # stable
    # The names on the remarks sheet are not inputs (use --force to change them).
    names = dataclasses.replace(CONFIG, volumes=dataclasses.replace(CONFIG.volumes, filer="x", checker="y"))
    assert fingerprint(plan, names, CUSTOMER, sidecars) == base
    changed = [
        fingerprint(plan, CONFIG, CUSTOMER, {"a": "2" * 64}),  # the sidecar's text
        fingerprint(plan, CONFIG, dataclasses.replace(CUSTOMER, name="新名称"), sidecars),  # the profile
        fingerprint(plan, dataclasses.replace(CONFIG, volumes=dataclasses.replace(CONFIG.volumes, stamp_offset_mm=12)),
                    CUSTOMER, sidecars),  # configuration
        fingerprint(plan, dataclasses.replace(CONFIG, fonds_name="另一全宗"), CUSTOMER, sidecars),
        fingerprint(plan, CONFIG, CUSTOMER, sidecars, {"forms_style": "abc"}),  # forms restyled
        fingerprint(dataclasses.replace(plan, number=2), CONFIG, CUSTOMER, sidecars),  # its place in the series
    ]
    other = make_record(tmp_path, "b", pages=3)
    [plan_b] = plan_volumes([dataclasses.replace(other, id="a")], CONFIG)  # same id, other PDF
    changed.append(fingerprint(plan_b, CONFIG, CUSTOMER, sidecars))
    assert base not in changed and len(set(changed)) == len(changed)
