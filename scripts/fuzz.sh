#!/usr/bin/env bash
# Fuzzes the ONNX importer with libFuzzer for SECONDS (default 60), seeded
# with ONNX's node-suite models. Crashing inputs are written to
# build/fuzz-artifacts/. Run scripts/setup.sh first (it builds the fuzzer).
set -euo pipefail
seconds=${1:-60}
source "$(dirname "$0")/paths.sh"
fuzzer=$build/bin/quill-import-fuzzer
if [ ! -x "$fuzzer" ]; then
  echo "fuzz: $fuzzer is missing (configure with clang and QUILL_BUILD_FUZZERS=ON)" >&2
  exit 1
fi
corpus=$build/fuzz-corpus
mkdir -p "$corpus" "$build/fuzz-artifacts"
for model in /usr/share/libonnx-testdata/data/node/*/model.onnx; do
  name=$(basename "$(dirname "$model")")
  [ -e "$corpus/$name.onnx" ] || cp "$model" "$corpus/$name.onnx"
done
"$fuzzer" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 \
  -artifact_prefix="$build/fuzz-artifacts/" -print_final_stats=1 "$corpus" 2>&1 |
  grep -E "^(Done|stat::number_of_executed_units|==[0-9]+==|SUMMARY)|ERROR" || true
# libFuzzer's exit status is lost in the pipe; a crash leaves an artifact.
if compgen -G "$build/fuzz-artifacts/*" >/dev/null; then
  echo "fuzz: crashing inputs in $build/fuzz-artifacts/" >&2
  exit 1
fi
echo "fuzz: no crash in $seconds seconds"
