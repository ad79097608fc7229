/**
 * An image turned into the rows the text model reads at the image's place in
 * a prompt: one row of the model's embedding width per image position.
 * Reusable: pass it to generate()/stream() instead of the image itself.
 */
export interface ImageEmbedding {
  /** positions × width floats, row-major. */
  readonly rows: Float32Array;
  readonly positions: number;
  readonly width: number;
  /** Identifies the pixels and the preprocessing mode (a SHA-256); equal keys mean equal rows. */
  readonly key: string;
}

export function isImageEmbedding(value: unknown): value is ImageEmbedding {
  return typeof value === 'object' && value !== null && (value as ImageEmbedding).rows instanceof Float32Array && typeof (value as ImageEmbedding).key === 'string';
}
