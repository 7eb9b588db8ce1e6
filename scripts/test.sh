#!/usr/bin/env bash
# Sets up and builds Quill, then runs the whole test suite through ctest
# (the lit suite and any unit tests), ending with ctest's summary line.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
build=${QUILL_BUILD_DIR:-$root/build}
ctest --test-dir "$build" --output-on-failure
