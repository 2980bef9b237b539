#!/usr/bin/env bash
# Installs archiver and runs the main job on a copy of the bundled sample archive:
# file the scans waiting in its inbox, assemble the volumes, write the catalogue, audit.
# The repository stays clean: the copy is made in ./demo-archive (replaced each run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
rm -rf demo-archive
cp -a sample_archive demo-archive
rm -f demo-archive/generate.py demo-archive/README.md
export ARCHIVER_ROOT="$PWD/demo-archive"
archiver ingest --stable-seconds 0 || [ $? -eq 8 ]
for step in build site audit stats; do
  if archiver "$step" --help >/dev/null 2>&1; then archiver "$step"; fi
done
echo
echo "Done. The archive is in $ARCHIVER_ROOT:"
echo "  records/   filed documents and their sidecars"
[ -d demo-archive/volumes ] && echo "  volumes/   bound-ready volume PDFs"
[ -f demo-archive/site/index.html ] && echo "  site/index.html   the catalogue (open it in a browser)"
exit 0
