#!/usr/bin/env bash
# Regenerates the reference pages from the ODS and Passes.td files and copies
# them into docs/reference/, where test/Docs/reference.test expects them.
set -euo pipefail
source "$(dirname "$0")/paths.sh"
ninja -C "$build" quill-docs >/dev/null
mkdir -p "$root/docs/reference"
cp "$build/docs/Quill/QuillDialect.md" "$build"/docs/Quill*Passes.md \
  "$root/docs/reference/"
echo "docs/reference/ updated from $build/docs"
