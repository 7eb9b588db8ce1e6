#!/usr/bin/env bash
# Sets up and builds Quill, then runs the whole test suite through ctest:
# the lit suite (its own summary, how many tests passed, failed or were
# unsupported, and the slowest tests), then the importer's fuzzing run;
# ctest's summary line comes last. With QUILL_SANITIZE=address,undefined
# everything is built and run under those sanitizers in build-sanitize/.
set -euo pipefail
source "$(dirname "$0")/paths.sh"
bash "$root/scripts/setup.sh"
ctest --test-dir "$build" --output-on-failure --verbose
