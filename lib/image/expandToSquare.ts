import { createRgbImage, type RgbImage } from './RgbImage.js';

/**
 * LLaVA's `expand2square`: pastes the image centred on an S×S canvas of
 * `fill` (S = the longer side), at ((S − w)//2, (S − h)//2). A square input
 * comes back as a copy.
 */
export function expandToSquare(image: RgbImage, fill: readonly [number, number, number]): RgbImage {
  const side = Math.max(image.width, image.height);
  const out = createRgbImage(side, side);
  for (let p = 0; p < side * side; p++) out.data.set(fill, p * 3);

  const left = Math.floor((side - image.width) / 2);
  const top = Math.floor((side - image.height) / 2);
  const rowBytes = image.width * 3;
  for (let y = 0; y < image.height; y++) {
    const from = y * rowBytes;
    out.data.set(image.data.subarray(from, from + rowBytes), ((top + y) * side + left) * 3);
  }
  return out;
}
