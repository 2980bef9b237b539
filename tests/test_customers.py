"""Customer profiles (Art. 8, archiver.customers): codes that are always safe folder names,
text cleaned of control characters, a profile written and read back as the TOML a person
can edit, and clear errors for a profile that is missing or incomplete."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.customers import (
    PROFILE_FIELDS,
    PROFILE_LABELS,
    Customer,
    check_code,
    clean_text,
    list_customers,
    profile_path,
    read_customer,
    write_customer,
)
from archiver.errors import ArchiverError, ConfigError, NotFoundError


def test_codes_are_safe_folder_names() -> None:
    for good in ("C0001", "acme-2", "9", "A" * 32):
        assert check_code(good) == good
    for bad in ("", "-C1", "C/1", "..", "C 1", "客户1", "A" * 33):
        with pytest.raises(ArchiverError, match="not a valid customer code"):
            check_code(bad)
    with pytest.raises(ArchiverError):
        profile_path(Path("customers"), "../etc")


def test_clean_text_normalises_and_drops_control_characters() -> None:
    assert clean_text("  上海\x00明远\n贸易\t ") == "上海明远贸易"
    assert clean_text("Cafe\u0301") == "Café"  # NFC: one code point
    assert clean_text("张 伟") == "张 伟"  # spaces inside are kept


def test_a_profile_is_written_and_read_back(tmp_path: Path) -> None:
    c = Customer(code="C0001", name="上海明远贸易有限公司", legal_representative="张伟", postcode="200120",
                 active=False)
    path = write_customer(tmp_path, c)
    assert path == tmp_path / "C0001" / "customer.toml"
    text = path.read_text("utf-8")
    assert text.startswith("# 客户档案") and 'name = "上海明远贸易有限公司"' in text
    assert "\ncode = " not in text  # the code is the folder's name, not repeated inside
    assert read_customer(tmp_path, "C0001") == c
    path.write_text(text + 'nickname = "明远"\n', "utf-8")  # a key of no Art. 8 field: ignored
    assert read_customer(tmp_path, "C0001") == c


def test_missing_and_incomplete_profiles_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="Unknown customer C0404") as missing:
        read_customer(tmp_path, "C0404")
    assert "archiver customer add C0404" in missing.value.hint
    (tmp_path / "C0005").mkdir()
    (tmp_path / "C0005" / "customer.toml").write_text('name = "  "\n', "utf-8")
    with pytest.raises(ConfigError, match="'name' is missing"):
        read_customer(tmp_path, "C0005")


def test_list_customers_in_code_order_skipping_other_folders(tmp_path: Path) -> None:
    assert list_customers(tmp_path / "none") == []
    for code in ("C0002", "C0001"):
        write_customer(tmp_path, Customer(code=code, name=f"客户{code}"))
    (tmp_path / "C0003").mkdir()  # no profile yet
    (tmp_path / ".hidden").mkdir()
    assert [c.code for c in list_customers(tmp_path)] == ["C0001", "C0002"]


def test_every_profile_field_has_its_chinese_label() -> None:
    assert [f for f in PROFILE_FIELDS if f != "active"] == list(PROFILE_LABELS)
