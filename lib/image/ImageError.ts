import { LlavaError } from '../errors.js';

/** Codes of ImageError, one per way an input image can be refused. */
export type ImageErrorCode =
  /** Not an image sharp can decode: unknown format, truncated or corrupt data, missing file. */
  | 'IMAGE_UNREADABLE'
  /** More pixels than the configured limit (checked from the header, before decoding). */
  | 'IMAGE_TOO_LARGE'
  /** Raw pixels whose size does not match their stated dimensions, or unusable dimensions. */
  | 'IMAGE_INVALID';

/** An input image that cannot be used. */
export class ImageError extends LlavaError {
  declare readonly code: ImageErrorCode;
  /** The file concerned, when the image was given as a path. */
  readonly path: string | undefined;

  constructor(code: ImageErrorCode, message: string, options?: { path?: string; cause?: unknown }) {
    super(code, options?.path === undefined ? message : `${options.path}: ${message}`, { cause: options?.cause });
    this.path = options?.path;
  }
}
