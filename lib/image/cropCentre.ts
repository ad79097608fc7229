import { InvalidArgumentError } from '../errors.js';
import { createRgbImage, type RgbImage } from './RgbImage.js';

/**
 * Cuts a `width`×`height` window from the middle of the image, its top-left
 * corner at ((W − width)//2, (H − height)//2) as CLIPImageProcessor's centre
 * crop places it. The window must fit inside the image.
 */
export function cropCentre(image: RgbImage, width: number, height: number): RgbImage {
  if (width > image.width || height > image.height) {
    throw new InvalidArgumentError(`cropCentre: a ${width}×${height} window does not fit in a ${image.width}×${image.height} image`);
  }
  const out = createRgbImage(width, height);
  const left = Math.floor((image.width - width) / 2);
  const top = Math.floor((image.height - height) / 2);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * image.width + left) * 3;
    out.data.set(image.data.subarray(from, from + width * 3), y * width * 3);
  }
  return out;
}
