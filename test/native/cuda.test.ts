/**
 * The CUDA addon against the CPU addon. Needs a built CUDA addon
 * (`npm run build:cuda`) and a GPU; without them the GPU checks are skipped
 * and their names say why. The loader's fallback is tested everywhere.
 */
import { describe, expect, it } from 'vitest';

import { NoBinaryError } from '../../lib/errors.js';
import { TENSOR_TYPE_NAMES, tensorTypeByName } from '../../lib/gguf/tensorTypes.js';
import type { NativeAddon } from '../../lib/native/addonTypes.js';
import { cpuAddon, loadAddon } from '../../lib/native/loadAddon.js';

function probeCuda(): { addon?: NativeAddon; reason: string } {
  try {
    return { addon: loadAddon('cuda'), reason: '' };
  } catch (error) {
    return { reason: (error as Error).message.replace(/\s+/g, ' ') };
  }
}

const cuda = probeCuda();
if (!cuda.addon) console.warn(`CUDA tests skipped: ${cuda.reason}`);
const skipped = cuda.addon ? '' : ` (SKIPPED: no GPU here — ${cuda.reason})`;

describe('device selection', () => {
  it('falls back to the CPU addon under "auto" and explains a failed "cuda"', () => {
    if (cuda.addon) {
      expect(loadAddon('auto', { quiet: true }).backend).toBe('cuda');
      return;
    }
    expect(loadAddon('auto', { quiet: true }).backend).toBe('cpu');
    expect(() => loadAddon('cuda')).toThrow(NoBinaryError);
    expect(() => loadAddon('cuda')).toThrow(/CUDA addon/);
  });
});

describe('CUDA kernels', () => {
  it.skipIf(!cuda.addon)(`dequantizes every type bit-identically to the CPU${skipped}`, async () => {
    const gpu = cuda.addon as NativeAddon;
    const cpu = cpuAddon();
    for (const name of TENSOR_TYPE_NAMES) {
      const type = tensorTypeByName(name);
      const values = new Float32Array(4096 * 9);
      await cpu.fillRandomNormal(values, Date.now() % 1e9, 0, 1);
      const encoded = await cpu.quantize(type.id, values, 4096);
      const onCpu = await cpu.dequantize(type.id, encoded, values.length);
      const onGpu = await gpu.cuda!.dequantize(type.id, encoded, values.length);
      expect(Buffer.from(onGpu.buffer).equals(Buffer.from(onCpu.buffer)), name).toBe(true);
    }
  });
});
