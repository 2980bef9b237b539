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
