"""archive.toml checking (config.py): a bad value or an unknown key is refused at start
with the key, the value and what is allowed."""

from __future__ import annotations

import tomllib

import pytest
from conftest import run_cli, set_config

from archiver.config import parse_config, template_text
from archiver.errors import EXIT_CONFIG, ConfigError


@pytest.mark.parametrize(
    ("pattern", "typo", "key"),
    [
        (r"^stable_seconds = .*$", "stable_secnds = 5.0", "filing.stable_secnds"),
        (r"^disposal_hold_months = .*$", "disposal_hold_monhts = 12", "custody.disposal_hold_monhts"),
        (r"^allow_self_approval = .*$", "allow_self_aproval = false", "custody.allow_self_aproval"),
        (r"^monthly = false$", "montly = false", "document_types[0].montly"),
        (r"^years = 0$", "years = 0\nyaers = 5", "retention.permanent.yaers"),
    ],
)
def test_a_misspelt_key_is_refused_naming_it(archive_root, pattern, typo, key):
    """A typo would otherwise silently fall back to the default (e.g. a hold period of
    six months instead of the twelve written, Art. 29)."""
    set_config(archive_root, pattern, typo)
    result = run_cli(archive_root, "check-config")
    assert result.exit_code == EXIT_CONFIG, result.output
    assert key in result.output


def test_an_unknown_section_is_refused():
    raw = tomllib.loads(template_text() + "\n[custdoy]\nloan_days = 10\n")
    with pytest.raises(ConfigError, match="custdoy"):
        parse_config(raw)


def test_the_template_has_no_unknown_key():
    parse_config(tomllib.loads(template_text()))  # every key init writes is known


# Every key declared once: the template and the parser come from the declaration ----------
def _sections():
    from archiver import config

    return [s for s in config.SECTIONS if s.form in ("table", "top")]


def _declared():
    from archiver.config import keys

    return [(s, k) for s in _sections() for k in keys(s.cls) if not k.setting.legacy]


def _block(text: str, section: str) -> tuple[int, int]:
    """Where ``[section]`` (or, for "", the top-level keys) starts and ends in ``text``."""
    start = 0 if not section else text.index(f"\n[{section}]\n")
    end = text.find("\n[", start + 1)
    return start, len(text) if end < 0 else end


def _with(text: str, section: str, key: str, value: str) -> str:
    import re

    start, end = _block(text, section)
    block, n = re.subn(rf"^{re.escape(key)} = .*$", lambda _: f"{key} = {value}", text[start:end], count=1, flags=re.M)
    assert n == 1, f"{section}.{key} is not in the template"
    return text[:start] + block + text[end:]


def _other(k):  # type: ignore[no-untyped-def]
    """A good value for key ``k`` other than the template's."""
    s, now = k.setting, k.template_value
    if k.kind is bool:
        return not now
    if k.kind in (int, float):
        return k.kind(s.hi if s.hi is not None and s.hi != now else s.lo + 1)
    if s.choices:
        return next(c for c in s.choices if c != now)
    return now + "x"


def _value_of(cfg, section: str, k):  # type: ignore[no-untyped-def]
    if section == "":
        return getattr(cfg, k.name)
    if section == "fonds":
        return getattr(cfg, f"fonds_{k.name}")
    if section == "classifications":
        return cfg.classifications[k.key]
    return getattr(getattr(cfg, section), k.name)


@pytest.mark.parametrize(("section", "key"), [(s.name, k) for s, k in _declared()],
                         ids=[f"{s.name}.{k.key}" for s, k in _declared()])
def test_every_declared_key_round_trips_through_the_template(section, key):
    """The template writes each key once, in its section, with a comment (its own or its
    section's) saying what it allows; the parser reads back what the template shows,
    and any other good value written there."""
    from archiver.settings import toml_value as _value

    text = template_text()
    start, end = _block(text, section)
    block = text[start:end]
    assert block.count(f"\n{key.key} = ") == 1
    line = f"{key.key} = {_value(key.template_value)}"
    assert f"\n{line}\n" in block + "\n"
    above = block[: block.index(f"\n{line}")].rstrip().rsplit("\n", 1)[-1]
    assert above.startswith("# ") or (not key.setting.comment and next(
        s for s in _sections() if s.name == section).comment), f"{section}.{key.key} has no comment"
    if key.kind in (int, float) or key.setting.choices:
        assert key.allowed() in " ".join(block.replace("# ", "").split()), "the template says what is allowed"
    assert _value_of(parse_config(tomllib.loads(text)), section, key) == key.template_value
    other = _other(key)
    edited = _with(text, section, key.key, _value(other))
    assert _value_of(parse_config(tomllib.loads(edited)), section, key) == other


def test_the_tables_of_the_template_are_its_examples():
    from archiver.config import SECTIONS

    cfg = parse_config(tomllib.loads(template_text()))
    for s in SECTIONS:
        if s.form == "tables":
            got = {code: {k: getattr(v, k) for k in ex} for code, v in getattr(cfg, s.name).items()
                   for c, ex in s.examples if c == code}
            assert got == dict(s.examples), s.name
        elif s.form == "array":
            assert [{k: getattr(t, k) for k in ex} for t, (_, ex) in zip(cfg.document_types.values(), s.examples,
                                                                          strict=True)] == [ex for _, ex in s.examples]


def _bad_values(k):  # type: ignore[no-untyped-def]
    s = k.setting
    if k.kind is bool:
        return ["yes", 1]
    if k.kind in (int, float):
        out = [s.lo - 1, "12"] + ([s.hi + 1] if s.hi is not None else [])
        return out + ([2.5, True] if k.kind is int else [True])
    if s.choices:
        return ["nonsense", 3]
    return [3, ["a"]]


@pytest.mark.parametrize(("section", "key"), [(s.name, k) for s, k in _declared()],
                         ids=[f"{s.name}.{k.key}" for s, k in _declared()])
def test_a_bad_value_is_refused_naming_the_key_the_value_and_the_range(section, key):
    from archiver.settings import number as _number

    for bad in _bad_values(key):
        raw = tomllib.loads(template_text())
        (raw[section] if section else raw)[key.key] = bad
        with pytest.raises(ConfigError) as info:
            parse_config(raw)
        text = str(info.value)
        name = f"{section}.{key.key}" if section else key.key
        assert f"key '{name}' has the value {bad!r}" in text
        assert key.allowed() in text, text
        if key.kind in (int, float):
            assert f"from {_number(key.setting.lo)} to" in text


def test_a_required_key_left_out_is_refused_naming_it():
    raw = tomllib.loads(template_text())
    del raw["fonds"]["code"]
    with pytest.raises(ConfigError, match=r"key 'fonds.code' has the value None; allowed: a text in quotes"):
        parse_config(raw)
    raw = tomllib.loads(template_text())
    raw["departments"]["sales"]["due_day"] = 29
    with pytest.raises(ConfigError, match=r"'departments.sales.due_day' has the value 29; allowed: a whole number "
                                          r"from 1 to 28"):
        parse_config(raw)


def test_a_key_added_to_a_settings_class_is_read_and_written(monkeypatch):
    """Adding a key is one field: the parser and the template follow."""
    import dataclasses

    from archiver import config

    @dataclasses.dataclass(frozen=True)
    class Batch(config.BatchOptions):
        workers: int = config.setting(2, "Scans searched at once.", lo=1, hi=8)

    sections = tuple(dataclasses.replace(s, cls=Batch) if s.name == "batch" else s for s in config.SECTIONS)
    monkeypatch.setattr(config, "SECTIONS", sections)
    text = template_text()
    assert "# Scans searched at once. Allowed: a whole number from 1 to 8.\nworkers = 2\n" in text
    cfg = parse_config(tomllib.loads(text.replace("workers = 2", "workers = 4")))
    assert cfg.batch.workers == 4 and cfg.batch.split is True  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match="batch.workers"):
        parse_config(tomllib.loads(text.replace("workers = 2", "workers = 9")))
