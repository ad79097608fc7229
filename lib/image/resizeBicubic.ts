/**
 * Antialiased bicubic resize of 8-bit RGB that reproduces Pillow's
 * `Image.resize(size, Image.BICUBIC)` bit for bit (LLaVA's reference
 * preprocessing runs through it, and the golden files are exact).
 *
 * What has to match Pillow, and why each detail matters for exactness:
 * - Separable: a horizontal pass, then a vertical pass. A pass is skipped
 *   when its axis keeps its size, and each pass rounds and clamps to 8 bits,
 *   so the order and the skipping change the result.
 * - Sample positions: output pixel i has its centre at (i + 0.5)·scale in
 *   input coordinates (scale = in/out). When shrinking, the kernel is
 *   stretched by the scale (antialiasing), so the support grows to 2·scale.
 * - Weights are computed in float64, normalised per output pixel to sum to 1,
 *   then turned into signed fixed point with 22 fractional bits, rounding
 *   half away from zero.
 * - Each output sample is an integer sum started at half a unit (so the
 *   final shift rounds) and shifted right by 22 bits, then clamped to 0…255.
 */
import { InvalidArgumentError } from '../errors.js';
import { createRgbImage, type RgbImage } from './RgbImage.js';

/** Fractional bits of the fixed-point weights (Pillow: 32 − 8 − 2, leaving headroom for 8-bit samples). */
const PRECISION_BITS = 22;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

/** Keys' cubic convolution kernel with a = −0.5 (Pillow's BICUBIC); zero beyond |x| ≥ 2. */
const CUBIC_A = -0.5;
const CUBIC_SUPPORT = 2;

function cubicKernel(x: number): number {
  const t = Math.abs(x);
  if (t < 1) return ((CUBIC_A + 2) * t - (CUBIC_A + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * CUBIC_A;
  return 0;
}

/**
 * For each output sample along one axis: the first input index it reads, how
 * many inputs it reads, and their fixed-point weights (`taps` slots per output).
 */
interface AxisWeights {
  first: Int32Array;
  count: Int32Array;
  weights: Int32Array;
  taps: number;
}

function computeAxisWeights(inSize: number, outSize: number): AxisWeights {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = CUBIC_SUPPORT * filterScale;
  // Multiplying by the reciprocal (rather than dividing) is what Pillow does; it matters in the last bit.
  const inverseFilterScale = 1 / filterScale;
  const taps = Math.ceil(support) * 2 + 1;

  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * taps);
  const real = new Float64Array(taps);

  for (let i = 0; i < outSize; i++) {
    const centre = (i + 0.5) * scale;
    // Math.trunc mirrors C's (int) conversion of the rounded bounds.
    const start = Math.max(0, Math.trunc(centre - support + 0.5));
    const end = Math.min(inSize, Math.trunc(centre + support + 0.5));
    const n = end - start;

    let sum = 0;
    for (let k = 0; k < n; k++) {
      const w = cubicKernel((k + start - centre + 0.5) * inverseFilterScale);
      real[k] = w;
      sum += w;
    }
    for (let k = 0; k < n; k++) {
      const w = sum !== 0 ? real[k]! / sum : real[k]!;
      weights[i * taps + k] = Math.trunc(w < 0 ? -0.5 + w * ONE : 0.5 + w * ONE);
    }
    first[i] = start;
    count[i] = n;
  }
  return { first, count, weights, taps };
}

/** Rounds a fixed-point accumulator (already offset by HALF) to a clamped 8-bit sample. */
function toByte(accumulator: number): number {
  // The accumulator stays within int32 (|Σw| ≤ ~1.3·ONE, samples ≤ 255), so `>>` is an exact floor.
  const value = accumulator >> PRECISION_BITS;
  return value < 0 ? 0 : value > 255 ? 255 : value;
}

function resizeHorizontally(source: RgbImage, width: number): RgbImage {
  const out = createRgbImage(width, source.height);
  const { first, count, weights, taps } = computeAxisWeights(source.width, width);
  const src = source.data;
  for (let y = 0; y < source.height; y++) {
    const rowIn = y * source.width * 3;
    const rowOut = y * width * 3;
    for (let x = 0; x < width; x++) {
      const base = rowIn + first[x]! * 3;
      const w0 = x * taps;
      let r = HALF;
      let g = HALF;
      let b = HALF;
      for (let k = 0; k < count[x]!; k++) {
        const w = weights[w0 + k]!;
        const p = base + k * 3;
        r += src[p]! * w;
        g += src[p + 1]! * w;
        b += src[p + 2]! * w;
      }
      const o = rowOut + x * 3;
      out.data[o] = toByte(r);
      out.data[o + 1] = toByte(g);
      out.data[o + 2] = toByte(b);
    }
  }
  return out;
}

function resizeVertically(source: RgbImage, height: number): RgbImage {
  const out = createRgbImage(source.width, height);
  const { first, count, weights, taps } = computeAxisWeights(source.height, height);
  const src = source.data;
  const stride = source.width * 3;
  for (let y = 0; y < height; y++) {
    const base = first[y]! * stride;
    const w0 = y * taps;
    const rowOut = y * stride;
    for (let c = 0; c < stride; c++) {
      let acc = HALF;
      for (let k = 0; k < count[y]!; k++) {
        acc += src[base + k * stride + c]! * weights[w0 + k]!;
      }
      out.data[rowOut + c] = toByte(acc);
    }
  }
  return out;
}

/** Resizes `image` to `width`×`height` as Pillow's BICUBIC resize does (a new image; the input is untouched). */
export function resizeBicubic(image: RgbImage, width: number, height: number): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new InvalidArgumentError(`resizeBicubic: target size must be positive integers, got ${width}×${height}`);
  }
  let result = image;
  if (width !== image.width) result = resizeHorizontally(result, width);
  if (height !== image.height) result = resizeVertically(result, height);
  if (result === image) result = { data: image.data.slice(), width, height };
  return result;
}
