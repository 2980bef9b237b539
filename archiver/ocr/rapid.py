"""RapidOCR (PyPI ``rapidocr`` with ``onnxruntime``): PP-OCR models for Chinese and English.

The wheel ships its default models (``rapidocr/models``: PP-OCRv6 small detection and
recognition, the PP-OCR mobile text-line orientation classifier); this engine gives
RapidOCR their paths explicitly, so it never looks for a model elsewhere and never
downloads one (RapidOCR downloads a model it does not find: here that would be an
error, not a download). The recognition model carries its own character list.

``threads``: onnxruntime's threads per inference (0: as many as the machine has cores).
"""

from __future__ import annotations

import threading
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import NotFoundError
from .engine import EngineInfo, Recognised

if TYPE_CHECKING:
    from PIL import Image

NAME = "rapidocr"
MODELS = {  # role → the model file the rapidocr wheel ships in rapidocr/models
    "det": "PP-OCRv6_det_small.onnx",
    "rec": "PP-OCRv6_rec_small.onnx",
    "cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}
_CONFIG_KEYS = {"det": "Det", "rec": "Rec", "cls": "Cls"}
# RapidOCR shrinks an image whose longer side is larger first: 2400 keeps an A4 page
# rendered at 200 dpi as it is (its detector finds lines worse on larger images, and slower).
MAX_SIDE = 2400


def _version() -> str:
    try:
        return metadata.version(NAME)
    except metadata.PackageNotFoundError:
        return ""


def model_paths() -> dict[str, Path]:
    """The shipped model files (role → path); raises when RapidOCR or a model is missing."""
    if not _version():
        raise NotFoundError("The OCR engine RapidOCR is not installed.",
                            hint="Install archiver with its dependencies (pip install rapidocr onnxruntime).")
    folder = Path(str(resources.files(NAME).joinpath("models")))
    paths = {role: folder / name for role, name in MODELS.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise NotFoundError(f"RapidOCR's shipped model files are missing: {', '.join(missing)}.",
                            hint="Reinstall the rapidocr package (pip install --force-reinstall rapidocr); "
                                 "archiver never downloads models.")
    return paths


class RapidEngine:
    """:class:`~archiver.ocr.engine.Engine` over RapidOCR; models loaded on first use."""

    def __init__(self, threads: int = 0) -> None:
        self.threads = threads
        self._ocr: Any = None
        self._lock = threading.Lock()

    @property
    def info(self) -> EngineInfo:
        return EngineInfo(NAME, _version(), dict(MODELS))

    def _engine(self) -> Any:
        with self._lock:
            if self._ocr is None:
                from rapidocr import RapidOCR

                params: dict[str, Any] = {"Global.log_level": "error", "Global.max_side_len": MAX_SIDE,
                                          # reused buffers: a third less time, a tenth of the system time
                                          "EngineConfig.onnxruntime.enable_cpu_mem_arena": True}
                for role, path in model_paths().items():
                    params[f"{_CONFIG_KEYS[role]}.model_path"] = str(path)
                if self.threads > 0:
                    params["EngineConfig.onnxruntime.intra_op_num_threads"] = self.threads
                    params["EngineConfig.onnxruntime.inter_op_num_threads"] = 1
                self._ocr = RapidOCR(params=params)
            return self._ocr

    def recognise(self, image: Image.Image) -> list[Recognised]:
        result = self._engine()(image.convert("RGB"))
        if result.boxes is None or result.txts is None or result.scores is None:
            return []
        out = []
        for quad, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
            xs = [float(p[0]) for p in quad]
            ys = [float(p[1]) for p in quad]
            if text.strip():
                out.append(Recognised(str(text), (min(xs), min(ys), max(xs), max(ys)), float(score)))
        return out
