"""crash_runner.py for ``archiver ocr`` with the test engine (:class:`ocr_helpers.FakeEngine`):
RapidOCR is too slow to run once per kill point; the stage's file steps are the same.

Usage: python ocr_crash_runner.py N [--clock ISO] ARGS…  (as crash_runner.py)
"""

import os
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from ocr_helpers import FakeEngine  # noqa: E402

from archiver.ocr import stage  # noqa: E402

stage.default_engine = lambda threads: FakeEngine()
runpy.run_path(os.path.join(HERE, "crash_runner.py"), run_name="__main__")
