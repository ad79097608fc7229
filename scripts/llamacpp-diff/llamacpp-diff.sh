#!/usr/bin/env bash
# Developer tool: does our CPU decoder still compute exactly what llama.cpp
# computes? Builds op_diff and vec_dot_diff (this directory) against
# node-llama-cpp's shared libraries — the same llama.cpp as the test oracle —
# and runs them:
#
#   scripts/llamacpp-diff/llamacpp-diff.sh MODEL.gguf ["PROMPT"]
#
# op_diff: every operation of the forward pass, prefill and single-token decode,
# with llama.cpp's best ggml-cpu build for this CPU and with its AVX2 (haswell)
# build; vec_dot_diff: our AVX2 per-row dot products against its AVX2 build. Headers
# come from node-llama-cpp's bundled llama.cpp source (a local git bundle).
# Use it after touching any kernel; test/model/llamacpp-parity is the end-to-end check.
set -euo pipefail
cd "$(dirname "$0")/../.."
model=${1:?usage: llamacpp-diff.sh MODEL.gguf [PROMPT]}
prompt=${2:-Once upon a time, there was a little girl named Lily. She loved to play outside in the park.}
libs=node_modules/@node-llama-cpp/linux-x64/bins/linux-x64
out=build/llamacpp-diff
mkdir -p "$out"
if [ ! -f "$out/llama.cpp/include/llama.h" ]; then
  rm -rf "$out/llama.cpp"
  git -c advice.detachedHead=false clone -q node_modules/node-llama-cpp/llama/gitRelease.bundle "$out/llama.cpp"
fi
cmake -S . -B "$out/engine" -DLLAVA_CUDA=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$out/engine" --target llava_engine -j "$(nproc)" >/dev/null
includes=(-I "$out/llama.cpp/include" -I "$out/llama.cpp/ggml/include" -I native/engine)
g++ -std=c++17 -O2 -ffp-contract=off scripts/llamacpp-diff/op_diff.cpp "${includes[@]}" -L "$out/engine" -lllava_engine \
  "$libs/libllama.v0.4.0.so" "$libs/libggml.v0.4.0.so" "$libs/libggml-base.so" -Wl,-rpath,"$PWD/$libs" -lpthread -o "$out/op_diff"
g++ -std=c++17 -O2 scripts/llamacpp-diff/vec_dot_diff.cpp "${includes[@]}" -L "$out/engine" -lllava_engine -ldl -lpthread \
  -o "$out/vec_dot_diff"
status=0
for variant in "" haswell; do
  for step in "" --decode; do
    echo "== op_diff ${variant:-best build} ${step:-prefill}"
    "$out/op_diff" "$libs" "$model" "$prompt" $step ${variant:+--variant "$variant"} 2>/dev/null | grep -v " same " || status=1
  done
done
echo "== vec_dot_diff haswell (our AVX2 dot products)"
"$out/vec_dot_diff" "$libs/libggml-cpu-haswell.so" || status=1
exit $status
