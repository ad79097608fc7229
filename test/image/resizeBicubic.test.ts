/**
 * Properties of the Pillow-exact bicubic resize that hold for any size
 * (bit-exactness itself is checked against the golden files in
 * preprocessReference.test.ts).
 */
import { describe, expect, it } from 'vitest';

import { InvalidArgumentError } from '../../lib/errors.js';
import { resizeBicubic } from '../../lib/image/resizeBicubic.js';
import type { RgbImage } from '../../lib/image/RgbImage.js';

function imageOf(width: number, height: number, colourAt: (x: number, y: number) => number[]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(colourAt(x, y), (y * width + x) * 3);
  return { data, width, height };
}

describe('resizeBicubic', () => {
  it('keeps a flat colour flat, up and down', () => {
    const flat = imageOf(17, 9, () => [200, 7, 255]);
    for (const [w, h] of [
      [40, 30],
      [5, 3],
      [17, 4],
      [1, 1],
    ] as const) {
      const out = resizeBicubic(flat, w, h);
      expect([out.width, out.height]).toEqual([w, h]);
      expect(out.data).toEqual(imageOf(w, h, () => [200, 7, 255]).data);
    }
  });

  it('returns an equal copy when the size does not change', () => {
    const image = imageOf(3, 2, (x, y) => [x * 50, y * 90, 7]);
    const out = resizeBicubic(image, 3, 2);
    expect(out.data).toEqual(image.data);
    expect(out.data).not.toBe(image.data);
  });

  it('antialiases when shrinking: a fine checkerboard becomes an even grey', () => {
    // Without the kernel widened by the scale factor, a 4× reduction would sample isolated pixels.
    const board = imageOf(64, 64, (x, y) => ((x + y) % 2 === 0 ? [0, 0, 0] : [255, 255, 255]));
    const out = resizeBicubic(board, 16, 16);
    for (const value of out.data) {
      expect(value).toBeGreaterThanOrEqual(120);
      expect(value).toBeLessThanOrEqual(135);
    }
  });

  it('clamps the overshoot of the cubic kernel to 0…255', () => {
    // A hard edge overshoots on both sides when enlarged; the bytes must saturate, not wrap.
    const edge = imageOf(4, 1, (x) => (x < 2 ? [0, 0, 0] : [255, 255, 255]));
    const out = resizeBicubic(edge, 16, 1);
    expect(Array.from(out.data.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(Array.from(out.data.subarray(45, 48))).toEqual([255, 255, 255]);
    const values = Array.from(out.data.filter((_, i) => i % 3 === 0));
    expect(values).toEqual([...values].sort((a, b) => a - b));
  });

  it('rejects sizes that are not positive integers', () => {
    const image = imageOf(2, 2, () => [0, 0, 0]);
    expect(() => resizeBicubic(image, 0, 2)).toThrow(InvalidArgumentError);
    expect(() => resizeBicubic(image, 2, 1.5)).toThrow(InvalidArgumentError);
  });
});
