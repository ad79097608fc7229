#!/usr/bin/env bash
# Runs the native GGUF reader over the damaged-file corpus under AddressSanitizer
# and UndefinedBehaviorSanitizer, outside Node: any out-of-bounds read, leak,
# undefined behaviour, crash, hang or non-gguf_error exception fails it.
#
# Usage: bash scripts/check-gguf-asan.sh
# Builds build-asan/gguf_open_files (CMake, sanitizers on), writes the corpus
# (scripts/write-damaged-gguf.ts) to a temporary directory, and prints one
# verdict line.
set -euo pipefail
cd "$(dirname "$0")/.."

out=build-asan
# The engine and its test programs, built by CMakeLists.txt (the same source
# list as the addons) with both sanitizers; no CUDA.
sanitize="-g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cmake -S . -B "$out" -DLLAVA_ENGINE_TESTS=ON -DLLAVA_CUDA=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="$sanitize" -DCMAKE_EXE_LINKER_FLAGS="$sanitize" >/dev/null
cmake --build "$out" --target gguf_open_files -j 2 >/dev/null

corpus=$(mktemp -d "${TMPDIR:-/tmp}/llava-damaged-gguf-XXXXXX")
trap 'rm -rf "$corpus"' EXIT
node --import tsx scripts/write-damaged-gguf.ts "$corpus" >/dev/null

log="$out/gguf_open_files.log"
status=0
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  timeout 600 "$out/gguf_open_files" "$corpus"/*.gguf >"$log" 2>&1 || status=$?

if [ "$status" -eq 0 ]; then
  echo "ASan/UBSan: PASS - $(tail -n 1 "$log")"
else
  # The program names each file before reading it: the last name before the report is the culprit.
  culprit=$(grep -E '\.gguf$' "$log" | tail -n 1)
  case_name=$(awk -F'\t' -v f="$(basename "$culprit")" '$1 == f { print $2 }' "$corpus/index.tsv")
  report=$(grep -m 1 -E 'ERROR: AddressSanitizer|runtime error|LeakSanitizer|PROBLEM' "$log" || tail -n 1 "$log")
  echo "ASan/UBSan: FAIL (exit $status) at ${case_name:-?}: $report (full log: $log)"
  exit 1
fi
