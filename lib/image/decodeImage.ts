/**
 * Turns whatever a caller hands us as an image into 8-bit RGB pixels.
 *
 * Encoded images (any format sharp reads: JPEG, PNG, WebP, GIF — first
 * frame —, AVIF, TIFF, …) are decoded by sharp (libvips) on libuv's thread
 * pool, so the event loop keeps running while a large image decodes.
 */
import sharp from 'sharp';

import { InvalidArgumentError } from '../errors.js';
import { ImageError } from './ImageError.js';
import type { RgbImage } from './RgbImage.js';

/** A file path, the bytes of an encoded image, or pixels already decoded to RGB. */
export type ImageInput = string | Uint8Array | RgbImage;

export interface DecodeImageOptions {
  /** Refuse images with more pixels than this (read from the header, before decoding). Default 50 megapixels. */
  maxPixels?: number;
  /** Colour that transparent pixels are composited over. Default CLIP_MEAN_COLOUR, the colour LLaVA pads with. */
  background?: readonly [number, number, number];
}

export const DEFAULT_MAX_PIXELS = 50_000_000;

/** int(255·mean) of CLIP's per-channel mean: the neutral grey LLaVA pads images with. */
export const CLIP_MEAN_COLOUR: readonly [number, number, number] = [122, 116, 104];

function isRgbImage(input: ImageInput): input is RgbImage {
  return typeof input === 'object' && !(input instanceof Uint8Array);
}

function validateRawRgb(image: RgbImage): RgbImage {
  const { data, width, height } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ImageError('IMAGE_INVALID', `raw RGB image: width and height must be positive integers, got ${width}×${height}`);
  }
  if (!(data instanceof Uint8Array)) {
    throw new ImageError('IMAGE_INVALID', 'raw RGB image: data must be a Uint8Array');
  }
  if (data.length !== width * height * 3) {
    throw new ImageError(
      'IMAGE_INVALID',
      `raw RGB image: ${width}×${height} needs ${width * height * 3} bytes (3 per pixel), got ${data.length}`,
    );
  }
  return { data, width, height };
}

function isPixelLimitError(error: unknown): boolean {
  return error instanceof Error && /pixel limit/i.test(error.message);
}

/**
 * Decodes `input` to RGB, rows top to bottom, with EXIF orientation applied
 * and any alpha composited over `background`. Raw RGB input is validated and
 * returned without copying its pixels.
 *
 * @throws ImageError IMAGE_UNREADABLE (not an image, truncated, corrupt, missing
 *   file), IMAGE_TOO_LARGE (over `maxPixels`), IMAGE_INVALID (bad raw RGB).
 */
export async function decodeImage(input: ImageInput, options: DecodeImageOptions = {}): Promise<RgbImage> {
  if (isRgbImage(input)) return validateRawRgb(input);

  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(maxPixels > 0)) throw new InvalidArgumentError(`decodeImage: maxPixels must be positive, got ${maxPixels}`);
  const [r, g, b] = options.background ?? CLIP_MEAN_COLOUR;
  const path = typeof input === 'string' ? input : undefined;
  // failOn 'warning' is sharp's default, stated because it is what rejects truncated files.
  // Reading the header decodes no pixels, so sharp's own limit stays off there (our check
  // below gives the better message); it guards the decode in case a header understates the size.
  const headerOptions = { failOn: 'warning', limitInputPixels: false } as const;
  const decodeOptions = {
    failOn: 'warning',
    limitInputPixels: Number.isFinite(maxPixels) ? Math.floor(maxPixels) : false,
  } as const;

  let metadata: sharp.Metadata;
  try {
    metadata = await sharp(input, headerOptions).metadata();
  } catch (error) {
    throw new ImageError('IMAGE_UNREADABLE', `cannot read image: ${(error as Error).message}`, { path, cause: error });
  }
  const width = metadata.width;
  // Multi-page formats (animated GIF/WebP) report one page's height here; only the first page is decoded.
  const height = metadata.pageHeight ?? metadata.height;
  if (!width || !height) {
    throw new ImageError('IMAGE_UNREADABLE', 'cannot read image: no dimensions in its header', { path });
  }
  if (width * height > maxPixels) {
    throw new ImageError('IMAGE_TOO_LARGE', `image is ${width}×${height} = ${width * height} pixels, over the limit of ${maxPixels}`, {
      path,
    });
  }

  let decoded: { data: Buffer; info: sharp.OutputInfo };
  try {
    decoded = await sharp(input, decodeOptions)
      .autoOrient()
      .flatten({ background: { r, g, b } })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    if (isPixelLimitError(error)) {
      throw new ImageError('IMAGE_TOO_LARGE', `image is over the limit of ${maxPixels} pixels`, { path, cause: error });
    }
    throw new ImageError('IMAGE_UNREADABLE', `cannot decode image: ${(error as Error).message}`, { path, cause: error });
  }
  const { data, info } = decoded;
  if (info.channels !== 3) {
    throw new ImageError('IMAGE_UNREADABLE', `decoding gave ${info.channels} channels where RGB was expected`, { path });
  }
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}
