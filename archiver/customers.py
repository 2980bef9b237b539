"""Customer profiles (Art. 8): ``customers/<code>/customer.toml``.

A profile is a small TOML file a person can read and edit. Changes made through
``archiver customer update`` are also recorded, dated, in the customer's history
register (Art. 26, 30).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import tomli_w

from .atomic import write_text_atomic
from .config import read_toml
from .errors import ArchiverError, ConfigError, NotFoundError

CUSTOMER_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")


@dataclass(frozen=True)
class Customer:
    """The customer record of Art. 8."""

    code: str
    name: str  # 客户名称
    legal_representative: str = ""  # 法定代表人
    address: str = ""  # 地址
    postcode: str = ""  # 邮编
    phone: str = ""  # 电话
    fax: str = ""  # 传真
    registered_capital: str = ""  # 注册资本
    business_scale: str = ""  # 经营规模
    business_scope: str = ""  # 经营范围
    economic_strength: str = ""  # 经济实力
    active: bool = True  # expected to deliver monthly documents (Art. 5)


# Chinese labels of the Art. 8 fields, in the policy's order, for forms and the catalogue.
PROFILE_LABELS = {
    "name": "客户名称",
    "legal_representative": "法定代表人",
    "address": "地址",
    "postcode": "邮编",
    "phone": "电话",
    "fax": "传真",
    "registered_capital": "注册资本",
    "business_scale": "经营规模",
    "business_scope": "经营范围",
    "economic_strength": "经济实力",
}
PROFILE_FIELDS = tuple(f.name for f in fields(Customer) if f.name not in ("code",))


def check_code(code: str) -> str:
    """A customer code: letters, digits and '-', so it is always a safe folder name."""
    if not CUSTOMER_CODE_RE.match(code):
        raise ArchiverError(
            f"'{code}' is not a valid customer code.",
            hint="Use 1–32 letters, digits or '-', starting with a letter or digit (e.g. C0001).",
        )
    return code


def clean_text(value: str) -> str:
    """NFC-normalise and drop control characters (NUL, newlines in one-line fields…)."""
    value = unicodedata.normalize("NFC", value)
    return "".join(ch for ch in value if unicodedata.category(ch)[0] != "C" or ch == " ").strip()


def profile_path(customers_dir: Path, code: str) -> Path:
    return customers_dir / check_code(code) / "customer.toml"


def read_customer(customers_dir: Path, code: str) -> Customer:
    path = profile_path(customers_dir, code)
    raw = read_toml(path, missing=NotFoundError(
        f"Unknown customer {code}: {path} does not exist.",
        hint=f"Add it with `archiver customer add {code} --name NAME`.",
    ))
    known = {f.name for f in fields(Customer)}
    values = {k: v for k, v in raw.items() if k in known and k != "code"}
    if not isinstance(values.get("name"), str) or not values["name"].strip():
        raise ConfigError(f"{path}: 'name' is missing.", hint="Give the customer's name (客户名称).")
    return Customer(code=code, **values)


def write_customer(customers_dir: Path, customer: Customer) -> Path:
    path = profile_path(customers_dir, customer.code)
    data = {k: v for k, v in asdict(customer).items() if k != "code"}
    text = (
        f"# 客户档案 · customer profile (Art. 8) of {customer.code}\n"
        "# Edit by hand or with `archiver customer update`; changes made with the command\n"
        "# are also recorded, dated, in history.jsonl beside this file (Art. 30).\n"
        + tomli_w.dumps(data)
    )
    write_text_atomic(path, text)
    return path


def list_customers(customers_dir: Path) -> list[Customer]:
    if not customers_dir.is_dir():
        return []
    out = []
    for folder in sorted(customers_dir.iterdir()):
        if folder.is_dir() and CUSTOMER_CODE_RE.match(folder.name) and (folder / "customer.toml").exists():
            out.append(read_customer(customers_dir, folder.name))
    return out
