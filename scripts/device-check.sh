#!/usr/bin/env bash
# The GPU machine's check of the CUDA backend, in one run (under 5 minutes):
#  1. build the engine tests with CUDA (cuda_kernels_test, cuda_bench) for the
#     local GPU's architecture,
#  2. run cuda_kernels_test (every kernel vs the CPU / float64 references),
#  3. run cuda_bench (our kernels and a device-to-device memcpy ceiling),
#  4. time the PyTorch equivalents at the same shapes (fp16 matmul, SDPA,
#     conv2d + cat + add), if torch is installed,
#  5. print one table: ours next to torch and the memcpy ceiling.
# Exits non-zero if the kernel test fails (or anything else does). Logs go to
# $OUT (when set) or build/device-check/logs/.
set -euo pipefail
cd "$(dirname "$0")/.."
logs="${OUT:-build/device-check/logs}"
mkdir -p "$logs"

command -v nvcc >/dev/null || { echo "nvcc not on PATH" >&2; exit 1; }
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true

arch_flag=()
if cmake --version | awk 'NR==1 { split($3, v, "."); exit !(v[1] > 3 || (v[1] == 3 && v[2] >= 24)) }'; then
  arch_flag=(-DCMAKE_CUDA_ARCHITECTURES=native)
fi
echo "== build"
cmake -S . -B build/device-check -DLLAVA_ENGINE_TESTS=ON -DLLAVA_CUDA=ON ${arch_flag[@]+"${arch_flag[@]}"} >"$logs/cmake.log"
timeout 240 cmake --build build/device-check -j "$(nproc)" --target cuda_kernels_test cuda_bench >"$logs/build.log" 2>&1 ||
  { tail -40 "$logs/build.log"; exit 1; }
if grep -qi "warning" "$logs/build.log"; then grep -i "warning" "$logs/build.log" | head -20; fi

echo "== cuda_kernels_test"
test_rc=0
timeout 120 ./build/device-check/cuda_kernels_test >"$logs/kernels_test.log" 2>&1 || test_rc=$?
grep -E "^(FAIL|seed|device)" "$logs/kernels_test.log" || true
tail -1 "$logs/kernels_test.log"

echo "== cuda_bench"
timeout 120 ./build/device-check/cuda_bench >"$logs/bench.log" 2>&1 || { cat "$logs/bench.log"; exit 1; }
grep -v "^RESULT" "$logs/bench.log"

echo "== torch references and summary"
timeout 120 python3 - "$logs/bench.log" <<'PY' || echo "(torch reference / summary step failed; our numbers are above)"
import re, statistics, sys

ours = {}
for line in open(sys.argv[1]):
    if line.startswith("RESULT "):
        _, name, value, unit, us = line.split()
        ours[name] = (float(value), unit, float(us))

def key_of(name):
    m = re.match(r"(decode|prefill)_\w+?_(\d+x\d+)_M(\d+)$", name)
    if m: return f"{m.group(1)}_{m.group(2)}_M{m.group(3)}"
    if name.startswith("attn_vit"): return "attn_vit"
    if name.startswith("attn_causal"): return "attn_causal"
    if name.startswith("patch_embed"): return "patch_embed"
    return name

ref = {}
try:
    import torch
    import torch.nn.functional as F
    dev = "cuda"
    l2 = getattr(torch.cuda.get_device_properties(0), "L2_cache_size", 50 << 20)

    def median_ms(fn, rotation, warmup=5, runs=30):
        for i in range(warmup): fn(i % rotation)
        torch.cuda.synchronize()
        times = []
        for i in range(runs):
            s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            s.record(); fn((warmup + i) % rotation); e.record(); e.synchronize()
            times.append(s.elapsed_time(e))
        return statistics.median(times)

    def copies(nbytes):
        return max(2, min(64, (2 * l2 + nbytes - 1) // nbytes + 1))

    with torch.no_grad():
        for n, k in ((4096, 4096), (4096, 11008), (11008, 4096)):
            for m in ((1, 512) if (n, k) == (4096, 4096) else (1,)):
                r = copies(n * k * 2)
                ws = [torch.randn(n, k, device=dev, dtype=torch.float16) for _ in range(r)]
                xs = [torch.randn(m, k, device=dev, dtype=torch.float16) for _ in range(r)]
                ms = median_ms(lambda i: torch.matmul(xs[i], ws[i].t()), r)
                if m == 1:
                    ref[f"decode_{n}x{k}_M1"] = ((n * k + m * k + m * n) * 2 / (ms * 1e-3) / 1e9, "GB/s", ms * 1e3)
                else:
                    ref[f"prefill_{n}x{k}_M{m}"] = (2 * m * n * k / (ms * 1e-3) / 1e12, "TFLOP/s", ms * 1e3)
                del ws, xs
        for key, t, h, d, causal in (("attn_vit", 577, 16, 64, False), ("attn_causal", 2048, 32, 128, True)):
            r = copies(3 * t * h * d * 2)
            qkv = [[torch.randn(1, h, t, d, device=dev, dtype=torch.float16) for _ in range(3)] for _ in range(r)]
            ms = median_ms(lambda i: F.scaled_dot_product_attention(*qkv[i], is_causal=causal), r)
            ref[key] = (4 * t * t * h * d * (0.5 if causal else 1.0) / (ms * 1e-3) / 1e12, "TFLOP/s", ms * 1e3)
            del qkv
        image, patch, width = 336, 14, 1024
        grid = image // patch
        r = copies(3 * image * image * 2)
        px = [torch.randn(1, 3, image, image, device=dev, dtype=torch.float16) for _ in range(r)]
        w = torch.randn(width, 3, patch, patch, device=dev, dtype=torch.float16)
        b = torch.randn(width, device=dev, dtype=torch.float16)
        cls = torch.randn(1, 1, width, device=dev, dtype=torch.float16)
        pos = torch.randn(1, 1 + grid * grid, width, device=dev, dtype=torch.float16)
        def patch_embed(i):
            e = F.conv2d(px[i], w, b, stride=patch).flatten(2).transpose(1, 2)
            return torch.cat([cls, e], dim=1) + pos
        ms = median_ms(patch_embed, r)
        ref["patch_embed"] = (2 * grid * grid * width * 3 * patch * patch / (ms * 1e-3) / 1e12, "TFLOP/s", ms * 1e3)
        print(f"torch {torch.__version__} (fp16 everywhere)")
except ImportError:
    print("torch not available: no reference column")

ceiling = ours.get("memcpy_d2d", (0.0, "GB/s", 0.0))[0]
print(f"{'kernel':34} {'ours':>18} {'torch fp16':>18} {'of memcpy':>10}")
for name, (value, unit, us) in ours.items():
    t = ref.get(key_of(name))
    torch_text = f"{t[0]:8.1f} {t[1]:>7}" if t else ""
    frac = f"{100 * value / ceiling:8.0f}%" if unit == "GB/s" and ceiling > 0 and name != "memcpy_d2d" else ""
    print(f"{name:34} {value:8.1f} {unit:>7}   {torch_text:>18} {frac:>10}")
PY

if [ "$test_rc" -ne 0 ]; then
  echo "cuda_kernels_test FAILED (exit $test_rc); see $logs/kernels_test.log" >&2
  exit "$test_rc"
fi
echo "device check OK"
