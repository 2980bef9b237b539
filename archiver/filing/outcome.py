"""What happened to one inbox file (or one document of a batch): filed, resumed, set aside."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Outcome:
    """What happened to one inbox file."""

    source: str  # path relative to the inbox
    status: str  # filed / rejected / resumed / split (a batch: see parts)
    record_id: str = ""
    record_path: str = ""
    code: str = ""  # rejection code
    reason: str = ""
    rejected_to: str = ""
    parts: list[Outcome] = field(default_factory=list)  # a batch: one outcome per document

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if v != "" and k != "parts"}
        if self.parts:
            out["parts"] = [part.as_dict() for part in self.parts]
        return out

    def flat(self) -> list[Outcome]:
        """The documents' outcomes: a batch's parts, else this one."""
        return self.parts or [self]

    def line(self) -> str:
        if self.status == "split":
            filed = sum(p.status != "rejected" for p in self.parts)
            return f"split {self.source} into {len(self.parts)} document(s): {filed} filed, {len(self.parts) - filed} rejected"
        if self.status == "rejected":
            return f"rejected {self.source}: {self.reason} → {self.rejected_to}"
        verb = "filed" if self.status == "filed" else "completed filing of"
        return f"{verb} {self.source} as {self.record_id} ({self.record_path})"
