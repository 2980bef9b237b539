#!/usr/bin/env bash
# Installs everything archiver and its tests need on a Debian machine:
# Debian packages (as root, via apt-get) and the Python package with its test extras.
set -euo pipefail
cd "$(dirname "$0")/.."
DEBS="poppler-utils qpdf chromium fonts-noto-cjk"
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $DEBS >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $DEBS >/dev/null
  else
    echo "note: not root and no sudo: install these Debian packages yourself: $DEBS" >&2
  fi
fi
python3 -m pip install -q --disable-pip-version-check -e '.[test]'
echo "archiver installed: $(command -v archiver)"
