/**
 * A GGUF file opened for reading: typed metadata, the tensor table, and
 * tensor data (raw or dequantized). Parsing and validation happen in native
 * code over a memory map (native/engine/gguf/gguf_file.cpp); a damaged file
 * raises GgufError naming the field and byte offset.
 *
 * Long arrays (vocabularies, merges) are read only when asked for, then kept.
 */
import { GgufError, fromNativeError } from '../errors.js';
import type { NativeGgufHandle, NativeMetadataEntry } from '../native/addonTypes.js';
import { cpuAddon } from '../native/loadAddon.js';
import { tensorTypeById } from './tensorTypes.js';
import { type GgufArrayItems, type GgufTypedValue, type GgufValue, GgufValueType, shortestFloat32 } from './valueTypes.js';

export interface GgufMetadataEntry {
  key: string;
  type: GgufValueType;
  /** Arrays only: the item type and count. */
  itemType?: GgufValueType;
  count?: number;
  /** Absolute byte offset of the record in the file. */
  offset: number;
}

export interface GgufTensorInfo {
  name: string;
  /** ggml type name, e.g. 'Q4_K'. */
  type: string;
  typeId: number;
  /** Dimensions in ggml `ne` order: shape[0] is contiguous (the reverse of a PyTorch shape). */
  shape: number[];
  /** Byte offset relative to the start of the data section. */
  offset: number;
  /** Byte size of the stored data. */
  size: number;
}

export class GgufFile {
  readonly path: string;
  readonly version: number;
  readonly alignment: number;
  /** Absolute offset of the tensor data section. */
  readonly dataOffset: number;
  readonly fileSize: number;
  readonly tensors: readonly GgufTensorInfo[];

  readonly #handle: NativeGgufHandle;
  readonly #entries: NativeMetadataEntry[];
  readonly #indexByKey: Map<string, number>;
  readonly #tensorIndex: Map<string, number>;
  readonly #arrays = new Map<number, GgufArrayItems>();

  private constructor(path: string, handle: NativeGgufHandle) {
    this.path = path;
    this.#handle = handle;
    const info = handle.info();
    this.version = info.version;
    this.alignment = info.alignment;
    this.dataOffset = info.dataOffset;
    this.fileSize = info.fileSize;
    this.#entries = handle.metadata();
    this.#indexByKey = new Map(this.#entries.map((e, i) => [e.key, i]));
    this.tensors = handle.tensors().map((t) => ({
      name: t.name,
      type: tensorTypeById(t.typeId)?.name ?? `type${t.typeId}`,
      typeId: t.typeId,
      shape: t.shape,
      offset: t.offset,
      size: t.size,
    }));
    this.#tensorIndex = new Map(this.tensors.map((t, i) => [t.name, i]));
  }

  /** Maps and validates `path`. Rejects with GgufError when the file is unreadable or damaged. */
  static async open(path: string): Promise<GgufFile> {
    try {
      return new GgufFile(path, await cpuAddon().GgufHandle.open(path));
    } catch (error) {
      throw fromNativeError(error, path);
    }
  }

  /** Metadata keys in file order. */
  keys(): string[] {
    return this.#entries.map((e) => e.key);
  }

  has(key: string): boolean {
    return this.#indexByKey.has(key);
  }

  /** Type information for every key, without reading any array. */
  entries(): GgufMetadataEntry[] {
    return this.#entries.map(({ key, type, itemType, count, offset }) =>
      type === GgufValueType.ARRAY ? { key, type, itemType: itemType as GgufValueType, count: count as number, offset } : { key, type, offset },
    );
  }

  /**
   * The value of `key`, or undefined when absent. Integers up to 32 bits and
   * floats are numbers, 64-bit integers bigints, arrays typed arrays (booleans
   * and strings as plain arrays).
   */
  get(key: string): GgufValue | undefined {
    return this.getTyped(key)?.value;
  }

  /** The value of `key` with its GGUF type (what GgufWriter.set takes), or undefined. */
  getTyped(key: string): GgufTypedValue | undefined {
    const index = this.#indexByKey.get(key);
    if (index === undefined) return undefined;
    const entry = this.#entries[index] as NativeMetadataEntry;
    if (entry.type !== GgufValueType.ARRAY) {
      const value = entry.type === GgufValueType.FLOAT32 ? shortestFloat32(entry.value as number) : entry.value;
      return { type: entry.type, value } as GgufTypedValue;
    }
    let items = this.#arrays.get(index);
    if (!items) {
      const raw = this.#handle.readArray(index, 0, entry.count as number);
      items = entry.itemType === GgufValueType.BOOL ? Array.from(raw as Uint8Array, (b) => b !== 0) : raw;
      this.#arrays.set(index, items);
    }
    return { type: GgufValueType.ARRAY, itemType: entry.itemType as GgufValueType, value: items } as GgufTypedValue;
  }

  /** A slice of an array value, read without materialising the rest. */
  getArraySlice(key: string, start: number, count: number): GgufArrayItems {
    const entry = this.#requireEntry(key, GgufValueType.ARRAY);
    const index = this.#indexByKey.get(key) as number;
    if (start < 0 || count < 0 || start + count > (entry.count as number)) {
      throw this.#error('GGUF_BAD_COUNT', key, entry.offset, `items [${start}, +${count}) exceed the array's ${entry.count} items`);
    }
    const raw = this.#handle.readArray(index, start, count);
    return entry.itemType === GgufValueType.BOOL ? Array.from(raw as Uint8Array, (b) => b !== 0) : raw;
  }

  /** An integer value (any width), as a number. Throws GgufError when absent or not an integer. */
  getInteger(key: string): number {
    const value = this.get(key);
    const entry = this.#entries[this.#indexByKey.get(key) ?? -1];
    if (typeof value === 'bigint') {
      if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
        throw this.#error('GGUF_WRONG_TYPE', key, entry?.offset ?? 0, `'${key}' = ${value} does not fit a JavaScript number`);
      }
      return Number(value);
    }
    if (entry && isIntegerType(entry.type) && typeof value === 'number') return value;
    throw this.#missingOrWrong(key, 'an integer');
  }

  /** A FLOAT32/FLOAT64 value. Throws GgufError when absent or of another type. */
  getFloat(key: string): number {
    const entry = this.#entries[this.#indexByKey.get(key) ?? -1];
    if (entry && (entry.type === GgufValueType.FLOAT32 || entry.type === GgufValueType.FLOAT64)) return this.get(key) as number;
    throw this.#missingOrWrong(key, 'a float');
  }

  getString(key: string): string {
    const entry = this.#requireEntry(key, GgufValueType.STRING);
    return entry.value as string;
  }

  getBoolean(key: string): boolean {
    const entry = this.#requireEntry(key, GgufValueType.BOOL);
    return entry.value as boolean;
  }

  /** The tensor named `name`, or undefined. */
  tensor(name: string): GgufTensorInfo | undefined {
    const index = this.#tensorIndex.get(name);
    return index === undefined ? undefined : this.tensors[index];
  }

  /** A copy of the tensor's stored bytes. */
  tensorBytes(name: string): Buffer {
    return this.#handle.tensorBytes(this.#requireTensor(name));
  }

  /** The tensor's values as float32 (computed off the JS thread), in ne order (shape[0] fastest). */
  async dequantize(name: string): Promise<Float32Array> {
    const index = this.#requireTensor(name);
    try {
      return await this.#handle.dequantize(index);
    } catch (error) {
      throw fromNativeError(error, this.path);
    }
  }

  /** Unmaps the file. Arrays already read stay usable; tensor access does not. */
  close(): void {
    this.#handle.close();
  }

  #requireTensor(name: string): number {
    const index = this.#tensorIndex.get(name);
    if (index === undefined) throw this.#error('GGUF_NOT_FOUND', `tensor '${name}'`, 0, `tensor '${name}' is missing`);
    return index;
  }

  #requireEntry(key: string, type: GgufValueType): NativeMetadataEntry {
    const entry = this.#entries[this.#indexByKey.get(key) ?? -1];
    if (!entry || entry.type !== type) throw this.#missingOrWrong(key, GgufValueType[type]);
    return entry;
  }

  #missingOrWrong(key: string, wanted: string): GgufError {
    const entry = this.#entries[this.#indexByKey.get(key) ?? -1];
    if (!entry) return this.#error('GGUF_MISSING_KEY', key, 0, `required metadata '${key}' is missing`);
    return this.#error('GGUF_WRONG_TYPE', key, entry.offset, `metadata '${key}' has type ${GgufValueType[entry.type]}, expected ${wanted}`);
  }

  #error(code: GgufError['code'], field: string, offset: number, detail: string): GgufError {
    return new GgufError(code, this.path, field, offset, detail);
  }
}

function isIntegerType(type: GgufValueType): boolean {
  return type <= GgufValueType.INT32 || type === GgufValueType.UINT64 || type === GgufValueType.INT64;
}
