/**
 * The image preprocessing llama.cpp's mtmd library (as shipped in
 * @fugood/llama.node 1.7.15) applies to a fixed-size LLaVA-1.5 mmproj
 * (spec §6.2), reproduced bit for bit so the 'llama.cpp' compatibility mode
 * feeds the encoder the same floats:
 *
 * 1. Fit: scale = min(size/width, size/height) in float32; each side becomes
 *    min(ceil(side·scale), size), also in float32 arithmetic.
 * 2. Resize the original image to that size with llama.cpp's own bicubic
 *    (resizeCubicLlamaCpp: point-sampled, no antialiasing — not Pillow's;
 *    later llama.cpp versions switched to a Pillow port).
 * 3. Paste it on a size×size canvas of (122, 116, 104) at offset
 *    ((size − w) / 2, (size − h) / 2), rounded down. The colour is fixed in
 *    llama.cpp, not derived from the file's mean.
 * 4. x/255 in float32, then (x − mean)/std in float32 with the file's values.
 *
 * An image that already is size×size is used as is (no resampling pass).
 */
import { InvalidArgumentError } from '../errors.js';
import { resizeCubicLlamaCpp } from './resizeCubicLlamaCpp.js';
import type { RgbImage } from './RgbImage.js';

/** The padding colour llama.cpp hard-codes for LLaVA projectors. */
const PAD_COLOUR = [122, 116, 104] as const;

export interface LlamaCppPreprocessOptions {
  /** Side of the square the vision tower takes (clip.vision.image_size). */
  size: number;
  /** Per-channel RGB mean on the 0…1 scale (clip.vision.image_mean). */
  mean: ArrayLike<number>;
  /** Per-channel RGB standard deviation on the 0…1 scale (clip.vision.image_std). */
  std: ArrayLike<number>;
}

/** The size llama.cpp resizes a width×height image to before padding it to size×size. */
export function llamaCppFitSize(width: number, height: number, size: number): { width: number; height: number } {
  const f = Math.fround;
  const scale = Math.min(f(size / width), f(size / height));
  // C++ multiplies the int side, converted to float, by the float scale.
  return {
    width: Math.min(Math.ceil(f(width * scale)), size),
    height: Math.min(Math.ceil(f(height * scale)), size),
  };
}

function channelTriple(values: ArrayLike<number>, name: string): Float32Array {
  if (values.length !== 3 || !Array.from(values).every(Number.isFinite)) {
    throw new InvalidArgumentError(`preprocessLlamaCpp: ${name} must be 3 finite numbers`);
  }
  return Float32Array.from(values);
}

/** Returns planar float32 pixels, [3][size][size] (channel, row, column). */
export function preprocessLlamaCpp(image: RgbImage, options: LlamaCppPreprocessOptions): Float32Array {
  const { size } = options;
  if (!Number.isInteger(size) || size < 1) {
    throw new InvalidArgumentError(`preprocessLlamaCpp: size must be a positive integer, got ${size}`);
  }
  const mean = channelTriple(options.mean, 'mean');
  const std = channelTriple(options.std, 'std');

  const fit = llamaCppFitSize(image.width, image.height, size);
  const resized = resizeCubicLlamaCpp(image, fit.width, fit.height);
  const left = Math.floor((size - fit.width) / 2);
  const top = Math.floor((size - fit.height) / 2);

  // One float per 8-bit level and channel: Math.fround of one float64 operation
  // on float32 operands equals the float32 operation llama.cpp performs.
  const levels = Array.from({ length: 3 }, (_, c) => {
    const table = new Float32Array(256);
    for (let v = 0; v < 256; v++) {
      table[v] = Math.fround(Math.fround(Math.fround(v / 255) - mean[c]!) / std[c]!);
    }
    return table;
  });

  const plane = size * size;
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) out.fill(levels[c]![PAD_COLOUR[c]!]!, c * plane, (c + 1) * plane);
  for (let y = 0; y < fit.height; y++) {
    for (let x = 0; x < fit.width; x++) {
      const src = (y * fit.width + x) * 3;
      const dst = (top + y) * size + left + x;
      for (let c = 0; c < 3; c++) out[c * plane + dst] = levels[c]![resized.data[src + c]!]!;
    }
  }
  return out;
}
