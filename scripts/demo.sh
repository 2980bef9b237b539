#!/usr/bin/env bash
# Installs archiver (scripts/install.sh) and runs the main job on a copy of the bundled
# sample archive: file the scans waiting in its inbox, recognise their text, assemble the volumes, write the
# catalogue, audit and count. The repository stays clean: the copy is ./demo-archive
# (replaced each run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export PATH="$PWD/${ARCHIVER_VENV:-.venv}/bin:$PATH"
rm -rf demo-archive
cp -a sample_archive demo-archive
rm -f demo-archive/generate.py demo-archive/README.md
# A git checkout carries 0644/0755; an archive keeps its files to its group (Art. 24),
# which `archiver audit` checks (安全性): give the copy the modes archiver itself writes.
chmod -R g-w,o-rwx demo-archive
export ARCHIVER_ROOT="$PWD/demo-archive"
archiver ingest --stable-seconds 0 || [ $? -eq 8 ]
echo "Recognising the scans' text (a few seconds a page, a few minutes in all) …"
archiver ocr
archiver build
archiver site
archiver audit
archiver -q site    # again (incremental): the home page shows the audit just made
archiver stats
echo
echo "Done. The archive is in $ARCHIVER_ROOT:"
echo "  records/          filed documents, their sidecars and their recognised text (.text.json)"
echo "  volumes/          bound-ready volume PDFs, searchable (and their manifests)"
echo "  site/index.html   the catalogue: open it in a browser"
echo "Try more with: PATH=\"$PWD/.venv/bin:\$PATH\" ARCHIVER_ROOT=$ARCHIVER_ROOT archiver --help"
