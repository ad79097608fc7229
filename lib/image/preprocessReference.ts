/**
 * LLaVA-1.5's reference image preprocessing (spec §6.1): what the original
 * Python pipeline (expand2square + CLIPImageProcessor) feeds the vision tower.
 */
import { InvalidArgumentError } from '../errors.js';
import { cropCentre } from './cropCentre.js';
import { expandToSquare } from './expandToSquare.js';
import { resizeBicubic } from './resizeBicubic.js';
import type { RgbImage } from './RgbImage.js';

export interface ReferencePreprocessOptions {
  /** Side of the square the vision tower takes (clip.vision.image_size, 336 for LLaVA-1.5). */
  size: number;
  /** Per-channel RGB mean on the 0…1 scale (clip.vision.image_mean). */
  mean: ArrayLike<number>;
  /** Per-channel RGB standard deviation on the 0…1 scale (clip.vision.image_std). */
  std: ArrayLike<number>;
}

function channelTriple(values: ArrayLike<number>, name: string): [number, number, number] {
  if (values.length !== 3 || !Array.from(values).every(Number.isFinite)) {
    throw new InvalidArgumentError(`preprocessReference: ${name} must be 3 finite numbers`);
  }
  return [values[0]!, values[1]!, values[2]!];
}

/**
 * Returns planar float32 pixels, [3][size][size] (channel, row, column):
 * 1. expand2square on a canvas of int(255·mean) per channel ((122,116,104) for CLIP);
 * 2. bicubic resize (Pillow-exact) of the shortest side to `size`, the other
 *    side to int(size·long/short);
 * 3. centre crop to size×size (a no-op after step 1, kept for fidelity);
 * 4. x/255 computed in float64 then rounded to float32, and (x − mean)/std in
 *    float32 — the exact arithmetic of the reference, so results match bit for bit.
 */
export function preprocessReference(image: RgbImage, options: ReferencePreprocessOptions): Float32Array {
  const { size } = options;
  if (!Number.isInteger(size) || size < 1) {
    throw new InvalidArgumentError(`preprocessReference: size must be a positive integer, got ${size}`);
  }
  // float32 copies: the reference subtracts and divides with float32 arrays.
  const mean = Float32Array.from(channelTriple(options.mean, 'mean'));
  const std = Float32Array.from(channelTriple(options.std, 'std'));
  const padColour = Array.from(mean, (m) => Math.trunc(255 * m)) as [number, number, number];

  const square = expandToSquare(image, padColour);
  const short = Math.min(square.width, square.height);
  const long = Math.max(square.width, square.height);
  const resizedLong = Math.trunc((size * long) / short);
  const resized =
    square.width <= square.height
      ? resizeBicubic(square, size, resizedLong)
      : resizeBicubic(square, resizedLong, size);
  const cropped = cropCentre(resized, size, size);

  // Each 8-bit level maps to one float; a table per channel avoids recomputing it per pixel.
  const levels = Array.from({ length: 3 }, (_, c) => {
    const table = new Float32Array(256);
    for (let v = 0; v < 256; v++) {
      const scaled = Math.fround(v / 255);
      // One float64 operation on float32 operands, then fround, equals the float32 operation.
      table[v] = Math.fround(Math.fround(scaled - mean[c]!) / std[c]!);
    }
    return table;
  });

  const plane = size * size;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) out[c * plane + p] = levels[c]![cropped.data[p * 3 + c]!]!;
  }
  return out;
}
