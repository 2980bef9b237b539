#!/usr/bin/env bash
# Installs everything archiver and its tests need on a Debian machine: the Debian packages
# (as root, via apt-get) and archiver with its test tools in a virtual environment, .venv/
# (Debian's own Python refuses system-wide pip installs). Set ARCHIVER_VENV to use another.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${ARCHIVER_VENV:-.venv}"
# jbig2dec: pikepdf and archiver.scanimage decode JBIG2 scans with it (office MFPs' "compact PDF");
# img2pdf: tests/test_corpus.py makes PDFs with this real tool. (Not Ghostscript: it pulls in
# fonts-urw-base35, which changes the system font standing in for Helvetica.)
# tesseract-ocr, tesseract-ocr-chi-sim: benchmarks/bench_ocr.py compares RapidOCR with Tesseract's chi_sim.
DEBS="poppler-utils qpdf chromium fonts-noto-cjk jbig2dec img2pdf tesseract-ocr tesseract-ocr-chi-sim"
# Debian's python3 needs python3-venv (ensurepip) to make a virtual environment.
python3 -c "import ensurepip, venv" 2>/dev/null || DEBS="$DEBS python3-venv"
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  if [ -z "$SUDO" ] || command -v sudo >/dev/null 2>&1; then
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $DEBS >/dev/null
  else
    echo "note: not root and no sudo: install these Debian packages yourself: $DEBS" >&2
  fi
fi
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[test]'
# Byte-compile archiver, as pip does for a package it installs whole (an editable install
# is compiled at first import, and not at all where PYTHONDONTWRITEBYTECODE is set): every
# command starts without compiling its modules first.
"$VENV/bin/python" -m compileall -q archiver >/dev/null
echo "archiver installed: $VENV/bin/archiver"
