/**
 * decodeImage: golden JPEG decoding, EXIF orientation, alpha, raw input, the
 * errors it raises, and that decoding happens off the event loop.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { CLIP_MEAN_COLOUR, decodeImage, type ImageInput } from '../../lib/image/decodeImage.js';
import { ImageError, type ImageErrorCode } from '../../lib/image/ImageError.js';
import { fixture, scratchDir } from '../support/paths.js';

const golden = (...parts: string[]) => fixture('golden', 'llava-tiny', ...parts);

/** Resolves to the ImageError that decodeImage rejects with (and fails the test if it resolves). */
async function decodeError(input: ImageInput, options?: Parameters<typeof decodeImage>[1]): Promise<ImageError> {
  const error = await decodeImage(input, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImageError);
  return error as ImageError;
}

async function expectCode(input: ImageInput, code: ImageErrorCode, options?: Parameters<typeof decodeImage>[1]): Promise<ImageError> {
  const error = await decodeError(input, options);
  expect(error.code).toBe(code);
  return error;
}

function pixel(image: { data: Uint8Array; width: number }, x: number, y: number): number[] {
  const i = (y * image.width + x) * 3;
  return Array.from(image.data.subarray(i, i + 3));
}

/** An RGBA image from literal pixels, as raw input for sharp. */
function rawRgba(width: number, height: number, pixels: number[][]) {
  return sharp(Buffer.from(pixels.flat()), { raw: { width, height, channels: 4 } });
}

describe('decodeImage', () => {
  it('decodes the golden PNG at its size', async () => {
    const image = await decodeImage(golden('test.png'));
    expect([image.width, image.height, image.data.length]).toEqual([320, 240, 320 * 240 * 3]);
  });

  it("decodes test.jpg within a few levels of PIL's decoding", async () => {
    const image = await decodeImage(await readFile(golden('test.jpg')));
    const pil = await readFile(golden('runs', 'f16-f16-jpg', 'reference', 'decoded-rgb.u8'));
    expect([image.width, image.height]).toEqual([200, 300]);
    let max = 0;
    let sum = 0;
    for (let i = 0; i < pil.length; i++) {
      const d = Math.abs(pil[i]! - image.data[i]!);
      max = Math.max(max, d);
      sum += d;
    }
    const mean = sum / pil.length;
    console.log(`test.jpg, sharp vs PIL: max |Δ| ${max}, mean |Δ| ${mean.toFixed(4)}`);
    // JPEG decoders may legitimately differ (IDCT and chroma upsampling are not fully
    // specified). On this very file two independent decoders, PIL and stb_image, differ by
    // max 3 and mean 0.086 levels, so that is the bound. sharp 0.34.5 (libjpeg-turbo
    // lineage, like PIL) currently gives 0 and 0.
    expect(max).toBeLessThanOrEqual(3);
    expect(mean).toBeLessThanOrEqual(0.1);
  });

  it('applies the EXIF orientation', async () => {
    // Stored 40×20: left half red, right half blue. Orientation 6 means "rotate 90° clockwise
    // to display", which puts the stored left column on top.
    const pixels = Array.from({ length: 20 * 40 }, (_, i) => (i % 40 < 20 ? [255, 0, 0, 255] : [0, 0, 255, 255]));
    const jpeg = await rawRgba(40, 20, pixels).removeAlpha().jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(jpeg).metadata()).orientation).toBe(6);

    const image = await decodeImage(jpeg);
    expect([image.width, image.height]).toEqual([20, 40]);
    const [topR, , topB] = pixel(image, 10, 5);
    const [bottomR, , bottomB] = pixel(image, 10, 34);
    expect(topR).toBeGreaterThan(200);
    expect(topB).toBeLessThan(50);
    expect(bottomB).toBeGreaterThan(200);
    expect(bottomR).toBeLessThan(50);
  });

  it('composites transparency over the CLIP mean colour by default, or over a given colour', async () => {
    const png = await rawRgba(3, 1, [
      [255, 0, 0, 0],
      [0, 255, 0, 255],
      [0, 0, 255, 128],
    ])
      .png()
      .toBuffer();
    const image = await decodeImage(png);
    expect(pixel(image, 0, 0)).toEqual([...CLIP_MEAN_COLOUR]);
    expect(pixel(image, 1, 0)).toEqual([0, 255, 0]);

    const overWhite = await decodeImage(png, { background: [255, 255, 255] });
    expect(pixel(overWhite, 0, 0)).toEqual([255, 255, 255]);
    // Half-transparent blue over white: about half-way between the two.
    const [r, g, b] = pixel(overWhite, 2, 0);
    expect(b).toBe(255);
    expect(r).toBeGreaterThanOrEqual(125);
    expect(r).toBeLessThanOrEqual(129);
    expect(g).toBe(r);
  });

  it('expands greyscale to RGB and reads WebP and GIF', async () => {
    const grey = await sharp(Buffer.from([0, 100, 200, 255]), { raw: { width: 2, height: 2, channels: 1 } }).png().toBuffer();
    const fromGrey = await decodeImage(grey);
    expect(Array.from(fromGrey.data)).toEqual([0, 0, 0, 100, 100, 100, 200, 200, 200, 255, 255, 255]);

    const source = rawRgba(2, 1, [
      [10, 20, 30, 255],
      [200, 100, 50, 255],
    ]);
    const webp = await decodeImage(await source.clone().webp({ lossless: true }).toBuffer());
    expect(Array.from(webp.data)).toEqual([10, 20, 30, 200, 100, 50]);
    const gif = await decodeImage(await source.clone().gif().toBuffer());
    expect([gif.width, gif.height]).toEqual([2, 1]);
  });

  it('accepts raw RGB and checks its size', async () => {
    const data = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const image = await decodeImage({ data, width: 2, height: 1 });
    expect(image).toEqual({ data, width: 2, height: 1 });

    await expectCode({ data, width: 3, height: 1 }, 'IMAGE_INVALID');
    await expectCode({ data, width: 1.5, height: 1 }, 'IMAGE_INVALID');
    await expectCode({ data: new Uint8Array(0), width: 0, height: 0 }, 'IMAGE_INVALID');
  });

  it('rejects truncated PNG and JPEG data as unreadable', async () => {
    const png = await readFile(golden('test.png'));
    const jpeg = await readFile(golden('test.jpg'));
    await expectCode(png.subarray(0, png.length >> 1), 'IMAGE_UNREADABLE');
    await expectCode(jpeg.subarray(0, jpeg.length >> 1), 'IMAGE_UNREADABLE');
    // Cut inside the header too, where even the size cannot be read.
    await expectCode(png.subarray(0, 20), 'IMAGE_UNREADABLE');
  });

  it('names the file when a path cannot be read', async () => {
    const dir = await scratchDir('image');
    const truncated = join(dir, 'truncated.jpg');
    const jpeg = await readFile(golden('test.jpg'));
    await writeFile(truncated, jpeg.subarray(0, jpeg.length >> 1));
    const error = await expectCode(truncated, 'IMAGE_UNREADABLE');
    expect(error.path).toBe(truncated);
    expect(error.message).toContain(truncated);

    const missing = join(dir, 'missing.png');
    expect((await expectCode(missing, 'IMAGE_UNREADABLE')).path).toBe(missing);
  });

  it('rejects random bytes as unreadable', async () => {
    await expectCode(randomBytes(4096), 'IMAGE_UNREADABLE');
    await expectCode(new Uint8Array(0), 'IMAGE_UNREADABLE');
  });

  it('refuses an image over the pixel limit, from its header', async () => {
    const error = await expectCode(golden('test.png'), 'IMAGE_TOO_LARGE', { maxPixels: 320 * 240 - 1 });
    expect(error.message).toContain('320×240');
    await expect(decodeImage(golden('test.png'), { maxPixels: 320 * 240 })).resolves.toMatchObject({ width: 320 });
  });

  it('does not block the event loop while decoding a large image', async () => {
    const jpeg = await sharp({
      // Noise makes a JPEG that takes a while to decode; the background is required by the typings but unused.
      create: {
        width: 4000,
        height: 4000,
        channels: 3,
        background: { r: 0, g: 0, b: 0 },
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .jpeg()
      .toBuffer();

    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      const started = performance.now();
      const image = await decodeImage(jpeg);
      const elapsed = performance.now() - started;
      expect(image.width * image.height).toBe(16_000_000);
      console.log(`decoded 16 MP in ${elapsed.toFixed(0)} ms; the 1 ms timer fired ${ticks} times meanwhile`);
      // A synchronous decode would leave the timer no chance to fire at all.
      expect(ticks).toBeGreaterThanOrEqual(3);
    } finally {
      clearInterval(timer);
    }
  });
});
