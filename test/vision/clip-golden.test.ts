/**
 * The CLIP vision tower + LLaVA projector (VisionHandle) against the llava-tiny
 * golden dumps of the original LLaVA semantics (shared/fixtures/golden/README.md,
 * section llava-tiny, reference/): each run's preprocessed image is encoded in
 * 'reference' mode and compared with the dump; every measured error is printed.
 * The dumps' llamacpp/ half is llama.cpp b4747 (class token first), while our
 * 'llama.cpp' mode follows current llama.cpp (mtmd: class token last); that
 * mode is checked end to end against @fugood/llama.node in llamacpp-mode.test.ts.
 */
import { readFileSync } from 'node:fs';

import { afterAll, describe, expect, it } from 'vitest';

import type { NativeVisionHandle, NativeVisionMode } from '../../lib/native/addonTypes.js';
import { cpuAddon } from '../../lib/native/loadAddon.js';
import { fixture } from '../support/paths.js';

const SIDE = 336;
const N_PATCHES = 576;
const WIDTH = 64;
const OUTPUT_WIDTH = 256;

interface Tolerance {
  /** ‖Δ‖ / ‖ref‖ over the whole tensor. */
  relative: number;
  maxAbs: number;
}

/**
 * Reference mode. The dump is float64 numpy with f32 weights and exact
 * activations, and so is reference mode (weights dequantized to f32, f32
 * activations and sums): what remains is f32 rounding, measured at
 * ‖Δ‖/‖ref‖ ≈ 3e-7 and max|Δ| ≈ 2.4e-6 on values up to ~5, for the F16 and the
 * Q8_0 file alike. Bounds: 1e-5 relative, 1e-4 absolute. (llama.cpp's
 * activation conversions alone would give 4e-4 for F16 and 1.2e-2 for Q8_0.)
 */
const REFERENCE: Record<'f16' | 'q8_0', { pre: Tolerance; embd: Tolerance }> = {
  f16: { pre: { relative: 1e-5, maxAbs: 1e-4 }, embd: { relative: 1e-5, maxAbs: 1e-4 } },
  q8_0: { pre: { relative: 1e-5, maxAbs: 1e-4 }, embd: { relative: 1e-5, maxAbs: 1e-4 } },
};

const RUNS = [
  { run: 'f16-f16-png', mmproj: 'f16' },
  { run: 'f16-f16-jpg', mmproj: 'f16' },
  { run: 'Q4_K_M-q8_0-png', mmproj: 'q8_0' },
] as const;

function readF32(path: string): Float32Array {
  const bytes = readFileSync(path);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** preproc.f32 is [336][336][3] (HWC); the encoder takes planar [3][336][336]. */
function hwcToChw(hwc: Float32Array): Float32Array {
  const chw = new Float32Array(hwc.length);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      for (let c = 0; c < 3; c++) chw[(c * SIDE + y) * SIDE + x] = hwc[(y * SIDE + x) * 3 + c]!;
    }
  }
  return chw;
}

function compare(got: Float32Array, want: Float32Array): { relative: number; maxAbs: number } {
  expect(got.length).toBe(want.length);
  let diffSq = 0;
  let refSq = 0;
  let maxAbs = 0;
  for (let i = 0; i < want.length; i++) {
    const d = got[i]! - want[i]!;
    diffSq += d * d;
    refSq += want[i]! * want[i]!;
    maxAbs = Math.max(maxAbs, Math.abs(d));
  }
  return { relative: Math.sqrt(diffSq / refSq), maxAbs };
}

function expectWithin(label: string, got: Float32Array, want: Float32Array, tolerance: Tolerance): void {
  const error = compare(got, want);
  console.log(
    `${label}: ‖Δ‖/‖ref‖ ${error.relative.toExponential(2)} (tol ${tolerance.relative}), max|Δ| ${error.maxAbs.toExponential(2)} (tol ${tolerance.maxAbs})`,
  );
  expect(error.relative).toBeLessThanOrEqual(tolerance.relative);
  expect(error.maxAbs).toBeLessThanOrEqual(tolerance.maxAbs);
}

const handles = new Map<string, Promise<NativeVisionHandle>>();
function vision(mmproj: 'f16' | 'q8_0'): Promise<NativeVisionHandle> {
  let handle = handles.get(mmproj);
  if (!handle) {
    handle = cpuAddon().VisionHandle.load(fixture('golden', 'llava-tiny', `tiny-mmproj-${mmproj}.gguf`), 2);
    handles.set(mmproj, handle);
  }
  return handle;
}
afterAll(async () => {
  for (const handle of handles.values()) (await handle).dispose();
});

async function encode(mmproj: 'f16' | 'q8_0', run: string, mode: NativeVisionMode) {
  const pixels = hwcToChw(readF32(fixture('golden', 'llava-tiny', 'runs', run, 'reference', 'preproc.f32')));
  return (await vision(mmproj)).encode(pixels, mode, true);
}

describe('CLIP vision tower on llava-tiny', () => {
  it('reports the tiny mmproj hyper-parameters', async () => {
    expect((await vision('f16')).info()).toEqual({
      imageSize: SIDE,
      patchSize: 14,
      nPatches: N_PATCHES,
      width: WIDTH,
      outputWidth: OUTPUT_WIDTH,
      blockCount: 3,
    });
  });

  for (const { run, mmproj } of RUNS) {
    it(`matches the reference dump (${run}, mmproj ${mmproj})`, async () => {
      const dir = fixture('golden', 'llava-tiny', 'runs', run, 'reference');
      const { embeddings, preProjector } = await encode(mmproj, run, 'reference');
      expect(preProjector?.length).toBe(N_PATCHES * WIDTH);
      expectWithin(`${run} reference pre-projector`, preProjector as Float32Array, readF32(`${dir}/vision-pre-projector.f32`), REFERENCE[mmproj].pre);
      expect(embeddings.length).toBe(N_PATCHES * OUTPUT_WIDTH);
      expectWithin(`${run} reference embd`, embeddings, readF32(`${dir}/embd.f32`), REFERENCE[mmproj].embd);
    });
  }

  it('rejects a bad mode or image size, aborts on request and stays usable', async () => {
    const handle = await vision('f16');
    const pixels = new Float32Array(3 * SIDE * SIDE);
    expect(() => handle.encode(pixels, 'fast' as NativeVisionMode, false)).toThrow(/mode must be/);
    expect(() => handle.encode(new Float32Array(3 * 28 * 28), 'reference', false)).toThrow(/3 × 336 × 336/);
    const aborted = handle.encode(pixels, 'reference', false);
    handle.abort();
    await expect(aborted).rejects.toMatchObject({ nativeCode: 'ABORTED' });
    const { embeddings, preProjector } = await handle.encode(pixels, 'reference', false);
    expect(embeddings.length).toBe(N_PATCHES * OUTPUT_WIDTH);
    expect(preProjector).toBeUndefined();
  });
});
