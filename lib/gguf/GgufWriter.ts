/**
 * Writes GGUF files (v3 by default; v2 on request): any metadata, tensors of
 * any supported type, padded to the file's alignment. Tensor data is pulled
 * from its source and written chunk by chunk, so a 7B-sized file never sits
 * in memory: only the header and one chunk do.
 */
import { open, rename, rm } from 'node:fs/promises';

import { InvalidArgumentError, fromNativeError } from '../errors.js';
import { cpuAddon } from '../native/loadAddon.js';
import { ByteBuilder } from './ByteBuilder.js';
import { type TensorTypeInfo, byteSize, tensorTypeByName } from './tensorTypes.js';
import { type GgufArrayItems, type GgufTypedValue, GgufValueType } from './valueTypes.js';

/**
 * Where a tensor's values come from:
 * - a Float32Array of all values (ne order), encoded to the tensor's type;
 * - `{ bytes }`: data already encoded in the tensor's type;
 * - `{ generate }`: float32 values produced on demand, `count` elements from
 *   `first` (always whole rows), so huge tensors are never held at once.
 */
export type TensorSource =
  | Float32Array
  | { bytes: Uint8Array }
  | { generate(first: number, count: number): Float32Array | Promise<Float32Array> };

export interface TensorSpec {
  name: string;
  /** ggml type name, e.g. 'Q4_K'. */
  type: string;
  /** ggml `ne` order: shape[0] is contiguous (the reverse of a PyTorch shape). */
  shape: readonly number[];
  data: TensorSource;
}

export interface GgufWriteOptions {
  /** GGUF version to write: 3 (default) or 2 (the layout of most published LLaVA files). */
  version?: 2 | 3;
  /** Byte alignment of the data section and of each tensor; defaults to 32 (written as general.alignment when not 32). */
  alignment?: number;
}

/** Elements encoded per chunk while streaming (rounded down to whole rows, at least one row). */
const CHUNK_ELEMENTS = 1 << 23;
const MAX_TENSOR_NAME_BYTES = 63;

interface PendingTensor {
  spec: TensorSpec;
  type: TensorTypeInfo;
  elements: number;
  size: number;
}

export class GgufWriter {
  readonly #metadata = new Map<string, GgufTypedValue>();
  readonly #tensors: PendingTensor[] = [];
  readonly #tensorNames = new Set<string>();

  /** Sets (or replaces) a metadata key. */
  set(key: string, value: GgufTypedValue): this {
    validateValue(key, value);
    this.#metadata.set(key, value);
    return this;
  }

  setString(key: string, value: string): this {
    return this.set(key, { type: GgufValueType.STRING, value });
  }
  setUint32(key: string, value: number): this {
    return this.set(key, { type: GgufValueType.UINT32, value });
  }
  setInt32(key: string, value: number): this {
    return this.set(key, { type: GgufValueType.INT32, value });
  }
  setFloat32(key: string, value: number): this {
    return this.set(key, { type: GgufValueType.FLOAT32, value });
  }
  setBool(key: string, value: boolean): this {
    return this.set(key, { type: GgufValueType.BOOL, value });
  }
  setArray(key: string, itemType: Exclude<GgufValueType, GgufValueType.ARRAY>, value: GgufArrayItems): this {
    return this.set(key, { type: GgufValueType.ARRAY, itemType, value });
  }

  /** Adds a tensor; tensors are stored in the order added. */
  addTensor(spec: TensorSpec): this {
    const { name, shape } = spec;
    if (Buffer.byteLength(name, 'utf8') > MAX_TENSOR_NAME_BYTES) {
      throw new InvalidArgumentError(`tensor name '${name}' is longer than ${MAX_TENSOR_NAME_BYTES} bytes`);
    }
    if (this.#tensorNames.has(name)) throw new InvalidArgumentError(`tensor '${name}' was already added`);
    if (shape.length < 1 || shape.length > 4 || !shape.every((d) => Number.isSafeInteger(d) && d > 0)) {
      throw new InvalidArgumentError(`tensor '${name}': shape must be 1 to 4 positive integers, got [${shape.join(', ')}]`);
    }
    const type = tensorTypeByName(spec.type);
    const elements = shape.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(elements)) throw new InvalidArgumentError(`tensor '${name}': too many elements`);
    if ((shape[0] as number) % type.blockSize !== 0) {
      throw new InvalidArgumentError(
        `tensor '${name}': ne[0] = ${shape[0]} is not a multiple of the ${type.name} block size ${type.blockSize}`,
      );
    }
    const size = byteSize(type, elements);
    const { data } = spec;
    if (data instanceof Float32Array) {
      if (data.length !== elements) {
        throw new InvalidArgumentError(`tensor '${name}': ${data.length} values for ${elements} elements`);
      }
    } else if ('bytes' in data) {
      if (data.bytes.length !== size) {
        throw new InvalidArgumentError(`tensor '${name}': ${data.bytes.length} bytes given, ${type.name} needs ${size}`);
      }
    }
    if (!('bytes' in data) && !type.canQuantize) {
      throw new InvalidArgumentError(`tensor '${name}': cannot encode float values as ${type.name}; pass { bytes }`);
    }
    this.#tensorNames.add(name);
    this.#tensors.push({ spec, type, elements, size });
    return this;
  }

  /** Writes the file (to `path.partial`, renamed into place when complete). */
  async write(path: string, { version = 3, alignment = 32 }: GgufWriteOptions = {}): Promise<void> {
    if (version !== 2 && version !== 3) throw new InvalidArgumentError(`GGUF version must be 2 or 3, got ${version}`);
    if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
      throw new InvalidArgumentError(`alignment must be a power of two, got ${alignment}`);
    }
    const metadata = new Map(this.#metadata);
    if (alignment !== 32) metadata.set('general.alignment', { type: GgufValueType.UINT32, value: alignment });

    const header = new ByteBuilder();
    header.raw(Buffer.from('GGUF', 'ascii'));
    header.u32(version);
    header.u64(this.#tensors.length);
    header.u64(metadata.size);
    for (const [key, value] of metadata) {
      header.string(key);
      writeValue(header, value);
    }
    let offset = 0;
    for (const t of this.#tensors) {
      header.string(t.spec.name);
      header.u32(t.spec.shape.length);
      for (const d of t.spec.shape) header.u64(d);
      header.u32(t.type.id);
      header.u64(offset);
      offset += roundUp(t.size, alignment);
    }
    header.padTo(alignment);

    const partial = `${path}.partial`;
    const file = await open(partial, 'w');
    try {
      let position = 0;
      const put = async (bytes: Uint8Array): Promise<void> => {
        let done = 0;
        while (done < bytes.length) {
          const { bytesWritten } = await file.write(bytes, done, bytes.length - done, position);
          done += bytesWritten;
          position += bytesWritten;
        }
      };
      await put(header.bytes());
      for (const t of this.#tensors) {
        for await (const chunk of encodeChunks(t)) await put(chunk);
        const pad = roundUp(t.size, alignment) - t.size;
        if (pad > 0) await put(new Uint8Array(pad));
      }
      await file.close();
      await rename(partial, path);
    } catch (error) {
      await file.close().catch(() => undefined);
      await rm(partial, { force: true });
      throw fromNativeError(error, path);
    }
  }
}

async function* encodeChunks(t: PendingTensor): AsyncGenerator<Uint8Array> {
  const { data } = t.spec;
  if (!(data instanceof Float32Array) && 'bytes' in data) {
    yield data.bytes;
    return;
  }
  const rowLength = t.spec.shape[0] as number;
  const chunkElements = Math.max(1, Math.floor(CHUNK_ELEMENTS / rowLength)) * rowLength;
  for (let first = 0; first < t.elements; first += chunkElements) {
    const count = Math.min(chunkElements, t.elements - first);
    const values = data instanceof Float32Array ? data.subarray(first, first + count) : await data.generate(first, count);
    if (values.length !== count) {
      throw new InvalidArgumentError(`tensor '${t.spec.name}': generate(${first}, ${count}) returned ${values.length} values`);
    }
    yield await cpuAddon().quantize(t.type.id, values, rowLength);
  }
}

function roundUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

function validateValue(key: string, value: GgufTypedValue): void {
  if (key.length === 0) throw new InvalidArgumentError('metadata key must not be empty');
  if (value.type === GgufValueType.ARRAY && (value.itemType as GgufValueType) === GgufValueType.ARRAY) {
    throw new InvalidArgumentError(`metadata '${key}': arrays of arrays are not part of GGUF`);
  }
  if (!(value.type in GgufValueType)) throw new InvalidArgumentError(`metadata '${key}': unknown value type ${value.type}`);
}

function writeScalar(out: ByteBuilder, type: GgufValueType, v: number | bigint | boolean | string): void {
  switch (type) {
    case GgufValueType.UINT8: return out.u8(v as number);
    case GgufValueType.INT8: return out.i8(v as number);
    case GgufValueType.UINT16: return out.u16(v as number);
    case GgufValueType.INT16: return out.i16(v as number);
    case GgufValueType.UINT32: return out.u32(v as number);
    case GgufValueType.INT32: return out.i32(v as number);
    case GgufValueType.FLOAT32: return out.f32(v as number);
    case GgufValueType.FLOAT64: return out.f64(v as number);
    case GgufValueType.BOOL: return out.u8(v ? 1 : 0);
    case GgufValueType.STRING: return out.string(v as string);
    case GgufValueType.UINT64: return out.u64(v as bigint);
    case GgufValueType.INT64: return out.i64(v as bigint);
    default: throw new InvalidArgumentError(`cannot write a scalar of type ${type}`);
  }
}

function writeValue(out: ByteBuilder, value: GgufTypedValue): void {
  out.u32(value.type);
  if (value.type !== GgufValueType.ARRAY) {
    writeScalar(out, value.type, value.value);
    return;
  }
  out.u32(value.itemType);
  const items = value.value as ArrayLike<number | bigint | boolean | string>;
  out.u64(items.length);
  for (let i = 0; i < items.length; i++) writeScalar(out, value.itemType, items[i] as number);
}
