"""The OCR engine interface: an image in, lines of text with boxes out.

Any engine that implements :class:`Engine` can be plugged into the stage
(:func:`archiver.ocr.stage.run`): :mod:`archiver.ocr.rapid` is the default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PIL import Image


@dataclass(frozen=True)
class EngineInfo:
    """Which engine and models produced a text (stored with it)."""

    name: str
    version: str
    models: dict[str, str] = field(default_factory=dict)  # role (det, rec, cls) → model file name

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "version": self.version, "models": dict(self.models)}


@dataclass(frozen=True)
class Recognised:
    """One line an engine found: its text, its box in the image's pixels (x0, y0, x1, y1;
    origin top-left, y downward) and the engine's confidence (0–1)."""

    text: str
    box: tuple[float, float, float, float]
    confidence: float


class Engine(Protocol):
    """What the stage needs of an OCR engine.

    ``info`` must be cheap (no model loaded): it is read for every record, also for records
    whose pages all carry their own text. ``recognise`` may load its models on first use;
    it raises for an image it cannot handle (the stage records the page as failed).
    """

    @property
    def info(self) -> EngineInfo: ...

    def recognise(self, image: Image.Image) -> list[Recognised]: ...
