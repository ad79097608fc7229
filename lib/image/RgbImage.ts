/**
 * An 8-bit RGB image, rows top to bottom, pixels left to right, channels
 * interleaved (HWC): the byte for channel c of pixel (x, y) sits at
 * `(y * width + x) * 3 + c`.
 */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A zero-filled RGB image of the given size. */
export function createRgbImage(width: number, height: number): RgbImage {
  return { data: new Uint8Array(width * height * 3), width, height };
}
