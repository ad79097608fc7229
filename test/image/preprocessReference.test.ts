/**
 * The reference preprocessing reproduces the golden numpy/Pillow output of
 * fixtures/golden/llava-tiny bit for bit, for both golden images.
 */
import { readFile } from 'node:fs/promises';

import { describe, expect, it } from 'vitest';

import { InvalidArgumentError } from '../../lib/errors.js';
import { decodeImage } from '../../lib/image/decodeImage.js';
import { preprocessReference, type ReferencePreprocessOptions } from '../../lib/image/preprocessReference.js';
import { fixture } from '../support/paths.js';

const golden = (...parts: string[]) => fixture('golden', 'llava-tiny', ...parts);

async function readFloat32(path: string): Promise<Float32Array> {
  const bytes = await readFile(path);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

/** preproc.f32 is stored HWC; the library returns CHW. */
function hwcToChw(hwc: Float32Array, size: number): Float32Array {
  const plane = size * size;
  const chw = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) chw[c * plane + p] = hwc[p * 3 + c]!;
  return chw;
}

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/**
 * CLIP's mean/std as tiny-mmproj-f16.gguf stores them (clip.vision.image_mean/std, float32):
 * these decimals round to exactly the stored float32 values. Stated here rather than read
 * from the file so the test does not need the native GGUF reader.
 */
const options: ReferencePreprocessOptions = {
  size: 336,
  mean: Float32Array.of(0.48145466, 0.4578275, 0.40821073),
  std: Float32Array.of(0.26862954, 0.26130258, 0.27577711),
};

describe('preprocessReference against the golden reference mode', () => {
  it('matches reference/preproc.f32 bit for bit for test.png', async () => {
    const image = await decodeImage(golden('test.png'));
    expect([image.width, image.height]).toEqual([320, 240]);
    const actual = preprocessReference(image, options);
    const expected = hwcToChw(await readFloat32(golden('runs', 'f16-f16-png', 'reference', 'preproc.f32')), 336);
    expect(maxAbsDifference(actual, expected)).toBe(0);
    expect(actual).toEqual(expected);
  });

  it("matches reference/preproc.f32 bit for bit for PIL's decoding of test.jpg", async () => {
    const data = new Uint8Array(await readFile(golden('runs', 'f16-f16-jpg', 'reference', 'decoded-rgb.u8')));
    const image = await decodeImage({ data, width: 200, height: 300 });
    const actual = preprocessReference(image, options);
    const expected = hwcToChw(await readFloat32(golden('runs', 'f16-f16-jpg', 'reference', 'preproc.f32')), 336);
    expect(maxAbsDifference(actual, expected)).toBe(0);
    expect(actual).toEqual(expected);
  });
});

describe('preprocessReference', () => {
  it('pads centred with int(255·mean) and returns planar channels', () => {
    // 4×2 white at size 4: the 4×4 square needs no resize, so every value is known exactly.
    // The image sits in rows 1–2 ((4 − 2)//2 = 1); rows 0 and 3 are the (122,116,104) padding.
    const white = { data: new Uint8Array(4 * 2 * 3).fill(255), width: 4, height: 2 };
    const out = preprocessReference(white, { ...options, size: 4 });
    expect(out.length).toBe(3 * 4 * 4);
    const padding = [122, 116, 104];
    for (let c = 0; c < 3; c++) {
      const normalise = (level: number) => Math.fround(Math.fround(Math.fround(level / 255) - options.mean[c]!) / options.std[c]!);
      const rows = [padding[c]!, 255, 255, padding[c]!].map(normalise);
      const expected = rows.flatMap((v) => [v, v, v, v]);
      expect(Array.from(out.subarray(c * 16, (c + 1) * 16))).toEqual(expected);
    }
  });

  it('rejects unusable options', () => {
    const image = { data: new Uint8Array(3), width: 1, height: 1 };
    expect(() => preprocessReference(image, { ...options, size: 0 })).toThrow(InvalidArgumentError);
    expect(() => preprocessReference(image, { ...options, mean: [0.5, 0.5] })).toThrow(InvalidArgumentError);
    expect(() => preprocessReference(image, { ...options, std: [1, Number.NaN, 1] })).toThrow(InvalidArgumentError);
  });
});
