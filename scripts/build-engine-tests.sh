#!/usr/bin/env bash
# Builds the standalone engine test programs (no Node) into build-engine-tests/.
# With nvcc on PATH the CUDA backend and its kernel tests are built too
# (compiling needs no GPU; running cuda_kernels_test does).
set -euo pipefail
cd "$(dirname "$0")/.."
cuda=OFF
if command -v nvcc >/dev/null 2>&1; then cuda=ON; fi
cmake -S . -B build-engine-tests -DLLAVA_ENGINE_TESTS=ON -DLLAVA_CUDA="$cuda" >/dev/null
cmake --build build-engine-tests
