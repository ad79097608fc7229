/**
 * Every error this library raises is a LlavaError with a stable `code`.
 * Subclasses carry the context a caller needs to act on it (for GgufError:
 * which file, which field, which byte offset).
 */
export class LlavaError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Codes of GgufError, one per way a GGUF file can be unreadable or unsuitable. */
export type GgufErrorCode =
  | 'GGUF_IO'
  | 'GGUF_BAD_MAGIC'
  | 'GGUF_UNSUPPORTED_VERSION'
  | 'GGUF_TRUNCATED'
  | 'GGUF_BAD_COUNT'
  | 'GGUF_BAD_STRING'
  | 'GGUF_BAD_VALUE_TYPE'
  | 'GGUF_DUPLICATE_KEY'
  | 'GGUF_BAD_ALIGNMENT'
  | 'GGUF_BAD_TENSOR_NAME'
  | 'GGUF_BAD_DIMENSIONS'
  | 'GGUF_UNKNOWN_TENSOR_TYPE'
  | 'GGUF_BAD_SHAPE'
  | 'GGUF_BAD_OFFSET'
  | 'GGUF_TENSOR_OVERLAP'
  | 'GGUF_MISSING_KEY'
  | 'GGUF_WRONG_TYPE'
  | 'GGUF_NOT_FOUND'
  | 'GGUF_UNSUPPORTED_MODEL'
  | 'GGUF_SHAPE_MISMATCH';

/** A GGUF file that cannot be read, or lacks what the caller needs. */
export class GgufError extends LlavaError {
  declare readonly code: GgufErrorCode;
  /** The file concerned. */
  readonly path: string;
  /** What was being read: a header field, `metadata 'key'` or `tensor 'name'`. */
  readonly field: string;
  /** Absolute byte offset in the file where the problem sits. */
  readonly offset: number;

  constructor(code: GgufErrorCode, path: string, field: string, offset: number, detail: string, options?: { cause?: unknown }) {
    super(code, `${path}: ${detail} (${field}, byte offset ${offset})`, options);
    this.path = path;
    this.field = field;
    this.offset = offset;
  }
}

/** A caller passed an unusable argument or option. */
export class InvalidArgumentError extends LlavaError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/** The model (or a GGUF handle) was used after dispose(). */
export class DisposedError extends LlavaError {
  constructor(what: string) {
    super('DISPOSED', `${what} was disposed`);
  }
}

/** A prompt (or a generation) needs more positions than the context holds. */
export class ContextOverflowError extends LlavaError {
  constructor(message: string) {
    super('CONTEXT_OVERFLOW', message);
  }
}

/** No native addon could be loaded for the requested device; the message says why and how to fix it. */
export class NoBinaryError extends LlavaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NO_BINARY', message, options);
  }
}

/** The shape the addon gives its errors (see native/addon/js_errors.cpp). */
interface NativeErrorShape {
  message: string;
  nativeCode?: string;
  field?: string;
  offset?: number;
}

function isNativeError(value: unknown): value is NativeErrorShape {
  return value instanceof Error && typeof (value as NativeErrorShape).nativeCode === 'string';
}

/**
 * Rebuilds a typed error from a native one. GGUF failures become GgufError
 * with `path` attached; anything else is returned unchanged.
 */
export function fromNativeError(error: unknown, path: string): unknown {
  if (!isNativeError(error)) return error;
  if (error.nativeCode?.startsWith('GGUF_')) {
    return new GgufError(error.nativeCode as GgufErrorCode, path, error.field ?? 'file', error.offset ?? 0, error.message, {
      cause: error,
    });
  }
  if (error.nativeCode === 'INVALID_ARGUMENT') return new InvalidArgumentError(error.message);
  if (error.nativeCode === 'CONTEXT_OVERFLOW') return new ContextOverflowError(error.message);
  return new LlavaError(error.nativeCode ?? 'NATIVE', error.message, { cause: error });
}
