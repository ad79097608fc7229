/**
 * Deterministic random tensor sources for GgufWriter: values come from the
 * native counter-based normal stream, so every chunk of a tensor is the same
 * whether it is generated at once or piecewise.
 */
import type { TensorSource } from '../../lib/gguf/GgufWriter.js';
import { cpuAddon } from '../../lib/native/loadAddon.js';

/** A per-tensor stream id derived from the model seed and the tensor's name (FNV-1a). */
export function tensorSeed(seed: number, name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (seed % 0x200000) * 0x100000000 + hash; // stays below 2^53
}

/** Values mean + std·N(0, 1). */
export function randomNormal(seed: number, name: string, std: number, mean = 0): TensorSource {
  const stream = tensorSeed(seed, name);
  return {
    async generate(first: number, count: number): Promise<Float32Array> {
      const values = new Float32Array(count);
      await cpuAddon().fillRandomNormal(values, stream, first, std);
      if (mean !== 0) for (let i = 0; i < count; i++) values[i] = (values[i] as number) + mean;
      return values;
    },
  };
}
