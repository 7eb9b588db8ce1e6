#!/usr/bin/env bash
# Regenerates the reference pages from the ODS and Passes.td files and the
# table of supported ONNX ops from the importer's registry, into
# docs/reference/, where test/Docs/reference.test expects them.
set -euo pipefail
source "$(dirname "$0")/paths.sh"
ninja -C "$build" quill-docs quill-onnx-ops >/dev/null
mkdir -p "$root/docs/reference"
cp "$build/docs/Quill/QuillDialect.md" "$build"/docs/Quill*Passes.md \
  "$root/docs/reference/"
"$build/bin/quill-onnx-ops" >"$root/docs/reference/SupportedOps.md"
echo "docs/reference/ updated from $build/docs and quill-onnx-ops"
