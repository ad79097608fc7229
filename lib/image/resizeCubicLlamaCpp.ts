/**
 * The bicubic resize of llama.cpp's mtmd as shipped in @fugood/llama.node
 * 1.7.15 (its own routine, not Pillow's): every output pixel (j, i) samples
 * the source at (⌊tx·j⌋, ⌊ty·i⌋) + fraction, tx = width/target width, with no
 * antialiasing, and interpolates the 4×4 neighbourhood (edges clamped) by a
 * cubic through four samples — first along each of the four rows, then down
 * the resulting column. The cubic's coefficients are computed in double and
 * stored as float32, the polynomial is evaluated in float32, and the result
 * is rounded half away from zero and clamped to 0…255. Each step below keeps
 * that arithmetic (Math.fround marks every float32 rounding), so the output
 * bytes equal llama.cpp's (checked against bytes captured from llama.node).
 */
import type { RgbImage } from './RgbImage.js';
import { createRgbImage } from './RgbImage.js';

const f = Math.fround;

/** The cubic through p0…p3 at offset d ∈ [0, 1) from p1, as llama.cpp evaluates it. */
function cubic(p0: number, p1: number, p2: number, p3: number, d: number): number {
  const d0 = f(p0 - p1);
  const d2 = f(p2 - p1);
  const d3 = f(p3 - p1);
  const a1 = f((-1.0 / 3) * d0 + d2 - (1.0 / 6) * d3);
  const a2 = f((1.0 / 2) * d0 + (1.0 / 2) * d2);
  const a3 = f((-1.0 / 6) * d0 - (1.0 / 2) * d2 + (1.0 / 6) * d3);
  const linear = f(p1 + f(a1 * d));
  const quadratic = f(linear + f(f(a2 * d) * d));
  return f(quadratic + f(f(f(a3 * d) * d) * d));
}

/** C's std::round (half away from zero), then clamped to a byte. */
function toByte(v: number): number {
  const r = v < 0 ? -Math.round(-v) : Math.round(v);
  return Math.min(Math.max(r, 0), 255);
}

export function resizeCubicLlamaCpp(image: RgbImage, width: number, height: number): RgbImage {
  const { width: nx, height: ny, data } = image;
  const out = createRgbImage(width, height);
  const tx = f(nx / width);
  const ty = f(ny / height);
  const clampX = (x: number) => Math.min(Math.max(x, 0), nx - 1);
  const clampY = (y: number) => Math.min(Math.max(y, 0), ny - 1);
  const column = [0, 0, 0, 0];
  for (let i = 0; i < height; i++) {
    const sy = f(ty * i);
    const y = Math.trunc(sy);
    const dy = f(sy - y);
    for (let j = 0; j < width; j++) {
      const sx = f(tx * j);
      const x = Math.trunc(sx);
      const dx = f(sx - x);
      const xs = [clampX(x - 1), clampX(x), clampX(x + 1), clampX(x + 2)];
      for (let k = 0; k < 3; k++) {
        for (let jj = 0; jj < 4; jj++) {
          const row = clampY(y - 1 + jj) * nx;
          column[jj] = cubic(
            data[(row + xs[0]!) * 3 + k]!,
            data[(row + xs[1]!) * 3 + k]!,
            data[(row + xs[2]!) * 3 + k]!,
            data[(row + xs[3]!) * 3 + k]!,
            dx,
          );
        }
        out.data[(i * width + j) * 3 + k] = toByte(cubic(column[0]!, column[1]!, column[2]!, column[3]!, dy));
      }
    }
  }
  return out;
}
