/**
 * Properties of llama.cpp's own bicubic (the byte-for-byte check is the mtmd
 * oracle in test/vision/llamacpp-mode: encoder inputs identical to llama.cpp's
 * for square, wide and tall images).
 */
import { randomBytes } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { createRgbImage } from '../../lib/image/RgbImage.js';
import { resizeCubicLlamaCpp } from '../../lib/image/resizeCubicLlamaCpp.js';

describe('resizeCubicLlamaCpp', () => {
  it('returns the image unchanged at its own size', () => {
    const image = createRgbImage(37, 23);
    image.data.set(randomBytes(image.data.length));
    expect(resizeCubicLlamaCpp(image, 37, 23).data).toEqual(image.data);
  });

  it('keeps a flat colour flat, up and down', () => {
    const image = createRgbImage(50, 30);
    for (let i = 0; i < image.data.length; i += 3) image.data.set([200, 17, 99], i);
    for (const [w, h] of [[336, 201], [13, 7]] as const) {
      const out = resizeCubicLlamaCpp(image, w, h);
      for (let i = 0; i < out.data.length; i += 3) expect([...out.data.subarray(i, i + 3)]).toEqual([200, 17, 99]);
    }
  });

  it('samples without antialiasing: a 2× downscale keeps the even source pixels', () => {
    // tx = 2: output pixel j sits exactly on source pixel 2j (fraction 0), so the cubic returns it.
    const image = createRgbImage(16, 16);
    image.data.set(randomBytes(image.data.length));
    const out = resizeCubicLlamaCpp(image, 8, 8);
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) {
        for (let c = 0; c < 3; c++) expect(out.data[(y * 8 + x) * 3 + c]).toBe(image.data[(2 * y * 16 + 2 * x) * 3 + c]);
      }
    }
  });
});
