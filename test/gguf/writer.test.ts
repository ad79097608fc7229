/**
 * GgufWriter round trips through the (independent, native) reader: every
 * metadata type, tensors of every type, v2 and v3, other alignments,
 * streamed sources; and a fixture re-written from what the reader gives back
 * is byte-identical to the original.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { InvalidArgumentError } from '../../lib/errors.js';
import { GgufFile } from '../../lib/gguf/GgufFile.js';
import { GgufWriter } from '../../lib/gguf/GgufWriter.js';
import { TENSOR_TYPE_NAMES, tensorTypeByName } from '../../lib/gguf/tensorTypes.js';
import { GgufValueType } from '../../lib/gguf/valueTypes.js';
import { cpuAddon } from '../../lib/native/loadAddon.js';
import { fixture, scratchDir } from '../support/paths.js';

let dir: string;
beforeAll(async () => {
  dir = await scratchDir('writer');
});

async function randomValues(n: number, seed: number): Promise<Float32Array> {
  const values = new Float32Array(n);
  await cpuAddon().fillRandomNormal(values, seed, 0, 1);
  return values;
}

describe('GgufWriter', () => {
  it('round-trips every metadata value type', async () => {
    const w = new GgufWriter()
      .set('u8', { type: GgufValueType.UINT8, value: 250 })
      .set('i8', { type: GgufValueType.INT8, value: -7 })
      .set('u16', { type: GgufValueType.UINT16, value: 65000 })
      .set('i16', { type: GgufValueType.INT16, value: -30000 })
      .setUint32('u32', 4_000_000_000)
      .setInt32('i32', -2_000_000_000)
      .setFloat32('f32', 1e-5)
      .set('f64', { type: GgufValueType.FLOAT64, value: Math.PI })
      .setBool('yes', true)
      .setString('text', 'héllo ▁ wörld 🙂')
      .set('u64', { type: GgufValueType.UINT64, value: 2n ** 63n + 5n })
      .set('i64', { type: GgufValueType.INT64, value: -(2n ** 62n) })
      .setArray('ints', GgufValueType.INT32, [1, -2, 3])
      .setArray('floats', GgufValueType.FLOAT32, [0.5, -0.25])
      .setArray('strings', GgufValueType.STRING, ['a', '', '▁b'])
      .setArray('bools', GgufValueType.BOOL, [true, false, true])
      .setArray('u64s', GgufValueType.UINT64, [1n, 2n ** 64n - 1n]);
    const path = join(dir, 'metadata.gguf');
    await w.write(path);
    const file = await GgufFile.open(path);
    expect(file.get('u8')).toBe(250);
    expect(file.get('i8')).toBe(-7);
    expect(file.get('u16')).toBe(65000);
    expect(file.get('i16')).toBe(-30000);
    expect(file.get('u32')).toBe(4_000_000_000);
    expect(file.get('i32')).toBe(-2_000_000_000);
    expect(file.get('f32')).toBe(1e-5);
    expect(file.get('f64')).toBe(Math.PI);
    expect(file.get('yes')).toBe(true);
    expect(file.get('text')).toBe('héllo ▁ wörld 🙂');
    expect(file.get('u64')).toBe(2n ** 63n + 5n);
    expect(file.get('i64')).toBe(-(2n ** 62n));
    expect(Array.from(file.get('ints') as Int32Array)).toEqual([1, -2, 3]);
    expect(Array.from(file.get('floats') as Float32Array)).toEqual([0.5, -0.25]);
    expect(file.get('strings')).toEqual(['a', '', '▁b']);
    expect(file.get('bools')).toEqual([true, false, true]);
    expect(Array.from(file.get('u64s') as BigUint64Array)).toEqual([1n, 2n ** 64n - 1n]);
    expect(file.tensors.length).toBe(0);
    file.close();
  });

  it.each([
    [3, 32],
    [2, 32],
    [3, 64],
    [2, 256],
  ] as const)('writes tensors of every type (GGUF v%i, alignment %i) that read back as encoded', async (version, alignment) => {
    const w = new GgufWriter().setString('general.architecture', 'test');
    const expected = new Map<string, Float32Array>();
    let seed = 1000 + version * 7 + alignment;
    for (const name of TENSOR_TYPE_NAMES) {
      const shape = [512, 3];
      const values = await randomValues(512 * 3, seed++);
      const type = tensorTypeByName(name);
      const encoded = await cpuAddon().quantize(type.id, values, 512);
      expected.set(`t.${name}`, await cpuAddon().dequantize(type.id, encoded, values.length));
      w.addTensor({ name: `t.${name}`, type: name, shape, data: values });
    }
    const path = join(dir, `types-v${version}-a${alignment}.gguf`);
    await w.write(path, { version, alignment });
    const file = await GgufFile.open(path);
    expect(file.version).toBe(version);
    expect(file.alignment).toBe(alignment);
    expect(file.dataOffset % alignment).toBe(0);
    if (alignment !== 32) expect(file.get('general.alignment')).toBe(alignment);
    for (const tensor of file.tensors) {
      expect(tensor.offset % alignment).toBe(0);
      expect(tensor.shape).toEqual([512, 3]);
      const got = await file.dequantize(tensor.name);
      expect(Buffer.from(got.buffer).equals(Buffer.from(expected.get(tensor.name)!.buffer))).toBe(true);
    }
    file.close();
  });

  it('streams generated tensors in chunks that equal the whole', async () => {
    // 4096 × 2100 elements > one 8M-element chunk, so the tensor is written in two pieces.
    const rows = 2100;
    const ne0 = 4096;
    const w = new GgufWriter().addTensor({
      name: 'big',
      type: 'Q8_0',
      shape: [ne0, rows],
      data: {
        async generate(first, count) {
          const values = new Float32Array(count);
          await cpuAddon().fillRandomNormal(values, 77, first, 1);
          return values;
        },
      },
    });
    const path = join(dir, 'streamed.gguf');
    await w.write(path);
    const whole = await randomValues(ne0 * rows, 77);
    const type = tensorTypeByName('Q8_0');
    const file = await GgufFile.open(path);
    expect(file.tensorBytes('big').equals(Buffer.from(await cpuAddon().quantize(type.id, whole, ne0)))).toBe(true);
    file.close();
  });

  it('re-writes a real file byte for byte from what the reader returns', async () => {
    const original = fixture('stories260K.gguf');
    const source = await GgufFile.open(original);
    const w = new GgufWriter();
    for (const key of source.keys()) w.set(key, source.getTyped(key)!);
    for (const t of source.tensors) w.addTensor({ name: t.name, type: t.type, shape: t.shape, data: { bytes: source.tensorBytes(t.name) } });
    const path = join(dir, 'stories-copy.gguf');
    await w.write(path, { version: source.version as 2 | 3 });
    source.close();
    expect(statSync(path).size).toBe(statSync(original).size);
    expect(readFileSync(path).equals(readFileSync(original))).toBe(true);
  });

  it('rejects bad tensor specs with clear errors', () => {
    const w = new GgufWriter();
    const values = new Float32Array(64);
    expect(() => w.addTensor({ name: 'x'.repeat(64), type: 'F32', shape: [64], data: values })).toThrow(/longer than 63 bytes/);
    expect(() => w.addTensor({ name: 'a', type: 'Q4_K', shape: [64], data: values })).toThrow(/not a multiple of the Q4_K block size 256/);
    expect(() => w.addTensor({ name: 'a', type: 'F32', shape: [65], data: values })).toThrow(/64 values for 65 elements/);
    expect(() => w.addTensor({ name: 'a', type: 'Q9_9', shape: [64], data: values })).toThrow(InvalidArgumentError);
    expect(() => w.addTensor({ name: 'a', type: 'F32', shape: [0], data: values })).toThrow(/positive integers/);
    expect(() => w.addTensor({ name: 'a', type: 'IQ2_XXS', shape: [256], data: new Float32Array(256) })).toThrow(/cannot encode/);
    w.addTensor({ name: 'a', type: 'F32', shape: [64], data: values });
    expect(() => w.addTensor({ name: 'a', type: 'F32', shape: [64], data: values })).toThrow(/already added/);
  });

  it('leaves no partial file behind when a source fails', async () => {
    const path = join(dir, 'failed.gguf');
    const w = new GgufWriter().addTensor({
      name: 'bad',
      type: 'F32',
      shape: [32],
      data: { generate: () => new Float32Array(3) },
    });
    await expect(w.write(path)).rejects.toThrow(/returned 3 values/);
    expect(() => statSync(path)).toThrow();
    expect(() => statSync(`${path}.partial`)).toThrow();
  });
});
