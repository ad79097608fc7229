/**
 * The tensor formats against ggml itself (fixtures/golden/quant): our
 * dequantization of ggml's blocks must equal ggml's dequantization bit for
 * bit, and our quantizer must reconstruct the source at least nearly as well
 * as ggml's (RMSE within 5 %).
 */
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { GgufFile } from '../../lib/gguf/GgufFile.js';
import { tensorTypeByName } from '../../lib/gguf/tensorTypes.js';
import { cpuAddon } from '../../lib/native/loadAddon.js';
import { fixture } from '../support/paths.js';

interface GoldenTensor {
  type: string;
  tensor_name: string;
  n_elements: number;
  source_f32_byte_offset: number;
  dequant_f32_byte_offset: number;
  rmse: number;
}

const golden = JSON.parse(readFileSync(fixture('golden/quant/all-types.json'), 'utf8')) as { tensors: GoldenTensor[] };
const source = readFileSync(fixture('golden/quant/all-types.source.f32'));
const dequant = readFileSync(fixture('golden/quant/all-types.dequant.f32'));

function floats(buffer: Buffer, byteOffset: number, count: number): Float32Array {
  return new Float32Array(buffer.buffer.slice(buffer.byteOffset + byteOffset, buffer.byteOffset + byteOffset + count * 4));
}

function rmse(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += ((a[i] as number) - (b[i] as number)) ** 2;
  return Math.sqrt(sum / a.length);
}

describe('ggml golden tensors', () => {
  it('covers all 15 types', () => {
    expect(golden.tensors.map((t) => t.type)).toEqual([
      'F32', 'F16', 'BF16', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q8_0', 'Q2_K', 'Q3_K', 'Q4_K', 'Q5_K', 'Q6_K', 'IQ4_NL', 'IQ4_XS',
    ]);
  });

  it.each(golden.tensors.map((t) => [t.type, t]))('%s: dequantizes ggml blocks bit for bit', async (_type, t) => {
    const file = await GgufFile.open(fixture('golden/quant/all-types.gguf'));
    const ours = await file.dequantize(t.tensor_name);
    file.close();
    const theirs = floats(dequant, t.dequant_f32_byte_offset, t.n_elements);
    expect(Buffer.from(ours.buffer).equals(Buffer.from(theirs.buffer))).toBe(true);
  });

  const quantizable = golden.tensors.filter((t) => !t.type.startsWith('IQ'));
  it.each(quantizable.map((t) => [t.type, t]))('%s: our quantizer reconstructs within 5 percent of ggml RMSE', async (_type, t) => {
    const addon = cpuAddon();
    const values = floats(source, t.source_f32_byte_offset, t.n_elements);
    const type = tensorTypeByName(t.type);
    const encoded = await addon.quantize(type.id, values, 256);
    const decoded = await addon.dequantize(type.id, encoded, values.length);
    const ours = rmse(decoded, values);
    const ggmlRmse = rmse(floats(dequant, t.dequant_f32_byte_offset, t.n_elements), values);
    expect(ggmlRmse).toBeCloseTo(t.rmse, 6); // the recorded figure is what the files give
    console.log(`${t.type}: RMSE ours ${ours.toExponential(4)}, ggml ${ggmlRmse.toExponential(4)}, ratio ${(ours / (ggmlRmse || 1)).toFixed(4)}`);
    expect(ours).toBeLessThanOrEqual(ggmlRmse * 1.05);
  });
});

describe('quantizer on fresh random data', () => {
  it.each(['Q4_0', 'Q8_0', 'Q4_K', 'Q6_K'])('%s: quantize → dequantize keeps the values close', async (name) => {
    const addon = cpuAddon();
    const values = new Float32Array(256 * 64);
    await addon.fillRandomNormal(values, Date.now() % 1e9, 0, 1);
    const type = tensorTypeByName(name);
    const decoded = await addon.dequantize(type.id, await addon.quantize(type.id, values, 256), values.length);
    // Bits per weight bound the error of a unit Gaussian: generous ceilings per type.
    const ceiling = { Q4_0: 0.13, Q8_0: 0.008, Q4_K: 0.1, Q6_K: 0.025 }[name] as number;
    expect(rmse(decoded, values)).toBeLessThan(ceiling);
  });

  it('rejects non-finite input with a clear error', async () => {
    const values = new Float32Array(32).fill(1);
    values[7] = Number.NaN;
    await expect(cpuAddon().quantize(tensorTypeByName('Q8_0').id, values, 32)).rejects.toThrow(/non-finite value \(at element 7\)/);
  });
});
