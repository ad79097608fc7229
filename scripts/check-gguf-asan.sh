#!/usr/bin/env bash
# Runs the native GGUF reader over the damaged-file corpus under AddressSanitizer
# and UndefinedBehaviorSanitizer, outside Node: any out-of-bounds read, leak,
# undefined behaviour, crash, hang or non-gguf_error exception fails it.
#
# Usage: bash scripts/check-gguf-asan.sh
# Builds build-asan/gguf_open_files from native/engine/tests/gguf_open_files.cpp
# and the engine sources listed in native/sources.json, writes the corpus
# (scripts/write-damaged-gguf.ts) to a temporary directory, and prints one
# verdict line.
set -euo pipefail
cd "$(dirname "$0")/.."

out=build-asan
mkdir -p "$out/obj"
flags=(-std=c++17 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -Inative/engine)

# Every engine source, as the addon builds do, so the program links whatever the reader comes to depend on.
mapfile -t sources < <(node -p "require('./native/sources.json').engine.join('\n')")
sources+=(native/engine/tests/gguf_open_files.cpp)
objects=()
for source in "${sources[@]}"; do objects+=("$out/obj/$(basename "${source%.cpp}").o"); done
pids=()
for i in "${!sources[@]}"; do
  g++ "${flags[@]}" -c "${sources[$i]}" -o "${objects[$i]}" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
g++ "${flags[@]}" "${objects[@]}" -o "$out/gguf_open_files"

corpus=$(mktemp -d "${TMPDIR:-/tmp}/llava-damaged-gguf-XXXXXX")
trap 'rm -rf "$corpus"' EXIT
node --import tsx scripts/write-damaged-gguf.ts "$corpus" >/dev/null

log="$out/gguf_open_files.log"
status=0
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  timeout 600 "$out/gguf_open_files" "$corpus"/*.gguf >"$log" 2>&1 || status=$?

summary=$(tail -n 1 "$log")
if [ "$status" -eq 0 ]; then
  echo "ASan/UBSan: PASS - $summary"
else
  grep -m 5 -E 'ERROR: AddressSanitizer|runtime error|LeakSanitizer|PROBLEM' "$log" >&2 || tail -n 20 "$log" >&2
  echo "ASan/UBSan: FAIL (exit $status, log $log) - $summary"
  exit 1
fi
