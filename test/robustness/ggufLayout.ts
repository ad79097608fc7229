/**
 * Where every structural field of a valid GGUF file sits (spec §1), found by
 * an independent walker written from the spec. The robustness corpus uses it
 * to aim damage at exact fields; it is not a reader and trusts its input, so
 * it throws a plain Error on anything it does not expect.
 */

/** A GGUF string: a u64 byte length followed by the bytes. */
export interface StringField {
  lengthAt: number;
  bytesAt: number;
  length: number;
  text: string;
}

export interface ArrayValue {
  itemTypeAt: number;
  itemType: number;
  countAt: number;
  count: number;
  itemsAt: number;
  /** String arrays only: the first few items (capped at STRING_ITEMS_RECORDED). */
  strings: StringField[];
}

export interface KvRecord {
  start: number;
  key: StringField;
  typeAt: number;
  type: number;
  /** First byte after the type field: the scalar, the string's length prefix, or the array's item type. */
  valueAt: number;
  string?: StringField;
  array?: ArrayValue;
  end: number;
}

export interface TensorInfoRecord {
  start: number;
  name: StringField;
  nDimsAt: number;
  nDims: number;
  ne: { at: number; value: bigint }[];
  typeAt: number;
  type: number;
  offsetAt: number;
  /** Relative to the data section. */
  offset: bigint;
  /** Bytes of data per the spec's type table; undefined for a type the table lacks. */
  byteSize: bigint | undefined;
  end: number;
}

export interface GgufLayout {
  size: number;
  version: number;
  tensorCount: number;
  kvCount: number;
  kvs: KvRecord[];
  tensors: TensorInfoRecord[];
  alignment: number;
  /** First byte after the last tensor-info record. */
  infosEnd: number;
  /** Start of the data section: infosEnd rounded up to the alignment. */
  dataStart: number;
}

/** Absolute positions of the fixed header fields. */
export const HEADER = { magic: 0, version: 4, tensorCount: 8, kvCount: 16, end: 24 } as const;

/** Metadata value type ids (spec §1.2). */
export const ValueType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

/** Bytes of one fixed-size value, by value type id; STRING and ARRAY are variable. */
export const FIXED_VALUE_SIZE: Readonly<Record<number, number>> = {
  0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8,
};

/** Block geometry of the ggml tensor types in the spec's table (§2.1), by id. */
export const TENSOR_BLOCKS: Readonly<Record<number, { blockSize: number; typeSize: number }>> = {
  0: { blockSize: 1, typeSize: 4 }, // F32
  1: { blockSize: 1, typeSize: 2 }, // F16
  2: { blockSize: 32, typeSize: 18 }, // Q4_0
  3: { blockSize: 32, typeSize: 20 }, // Q4_1
  6: { blockSize: 32, typeSize: 22 }, // Q5_0
  7: { blockSize: 32, typeSize: 24 }, // Q5_1
  8: { blockSize: 32, typeSize: 34 }, // Q8_0
  10: { blockSize: 256, typeSize: 84 }, // Q2_K
  11: { blockSize: 256, typeSize: 110 }, // Q3_K
  12: { blockSize: 256, typeSize: 144 }, // Q4_K
  13: { blockSize: 256, typeSize: 176 }, // Q5_K
  14: { blockSize: 256, typeSize: 210 }, // Q6_K
  20: { blockSize: 32, typeSize: 18 }, // IQ4_NL
  23: { blockSize: 256, typeSize: 136 }, // IQ4_XS
  30: { blockSize: 1, typeSize: 2 }, // BF16
};

/** Vocabularies hold tens of thousands of strings; the first few are enough to aim at. */
const STRING_ITEMS_RECORDED = 4;

/** Bytes of a tensor of `type` and shape `ne`, or undefined when the type is not in TENSOR_BLOCKS. */
export function tensorByteSize(type: number, ne: readonly bigint[]): bigint | undefined {
  const blocks = TENSOR_BLOCKS[type];
  if (!blocks) return undefined;
  const [first, ...rest] = (ne.length === 0 ? [1n] : ne) as [bigint, ...bigint[]]; // n_dims 0 is a scalar
  const rowBytes = (first / BigInt(blocks.blockSize)) * BigInt(blocks.typeSize);
  return rest.reduce((bytes, n) => bytes * n, rowBytes);
}

export function readLayout(bytes: Uint8Array): GgufLayout {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder();
  let pos = 0;

  const need = (n: number): void => {
    if (pos + n > bytes.length) throw new Error(`layout walker: read of ${n} bytes at ${pos} passes the end (${bytes.length})`);
  };
  const u32 = (): number => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = (): bigint => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    return v;
  };
  const smallU64 = (what: string): number => {
    const v = u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`layout walker: ${what} ${v} is not a plausible size`);
    return Number(v);
  };
  const string = (): StringField => {
    const lengthAt = pos;
    const length = smallU64('string length');
    need(length);
    const field = { lengthAt, bytesAt: pos, length, text: decoder.decode(bytes.subarray(pos, pos + length)) };
    pos += length;
    return field;
  };

  if (decoder.decode(bytes.subarray(0, 4)) !== 'GGUF') throw new Error('layout walker: not a GGUF file');
  pos = HEADER.version;
  const version = u32();
  const tensorCount = smallU64('tensor count');
  const kvCount = smallU64('kv count');

  const kvs: KvRecord[] = [];
  for (let i = 0; i < kvCount; i++) {
    const start = pos;
    const key = string();
    const typeAt = pos;
    const type = u32();
    const record: KvRecord = { start, key, typeAt, type, valueAt: pos, end: 0 };
    if (type === ValueType.STRING) {
      record.string = string();
    } else if (type === ValueType.ARRAY) {
      const itemTypeAt = pos;
      const itemType = u32();
      const countAt = pos;
      const count = smallU64('array count');
      const array: ArrayValue = { itemTypeAt, itemType, countAt, count, itemsAt: pos, strings: [] };
      if (itemType === ValueType.STRING) {
        for (let j = 0; j < count; j++) {
          const item = string();
          if (j < STRING_ITEMS_RECORDED) array.strings.push(item);
        }
      } else {
        const itemSize = FIXED_VALUE_SIZE[itemType];
        if (itemSize === undefined) throw new Error(`layout walker: array item type ${itemType} at ${itemTypeAt}`);
        need(count * itemSize);
        pos += count * itemSize;
      }
      record.array = array;
    } else {
      const size = FIXED_VALUE_SIZE[type];
      if (size === undefined) throw new Error(`layout walker: value type ${type} at ${typeAt}`);
      need(size);
      pos += size;
    }
    record.end = pos;
    kvs.push(record);
  }

  const alignmentRecord = kvs.find((kv) => kv.key.text === 'general.alignment');
  const alignment = alignmentRecord ? view.getUint32(alignmentRecord.valueAt, true) : 32;

  const tensors: TensorInfoRecord[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const start = pos;
    const name = string();
    const nDimsAt = pos;
    const nDims = u32();
    if (nDims > 4) throw new Error(`layout walker: ${nDims} dimensions at ${nDimsAt}`);
    const ne: { at: number; value: bigint }[] = [];
    for (let d = 0; d < nDims; d++) ne.push({ at: pos, value: u64() });
    const typeAt = pos;
    const type = u32();
    const offsetAt = pos;
    const offset = u64();
    const byteSize = tensorByteSize(type, ne.map((n) => n.value));
    tensors.push({ start, name, nDimsAt, nDims, ne, typeAt, type, offsetAt, offset, byteSize, end: pos });
  }

  const infosEnd = pos;
  const dataStart = Math.ceil(infosEnd / alignment) * alignment;
  return { size: bytes.length, version, tensorCount, kvCount, kvs, tensors, alignment, infosEnd, dataStart };
}

/**
 * Every position where one structural field ends and the next begins, from
 * the start of the file to the data section, sorted and without repeats.
 * `tensors` (all by default) picks whose info records and data spans count.
 */
export function structuralBoundaries(layout: GgufLayout, tensors: readonly TensorInfoRecord[] = layout.tensors): number[] {
  const points = new Set<number>([0, HEADER.version, HEADER.tensorCount, HEADER.kvCount, HEADER.end]);
  const addString = (s: StringField): void => {
    points.add(s.lengthAt).add(s.bytesAt).add(s.bytesAt + s.length);
  };
  for (const kv of layout.kvs) {
    addString(kv.key);
    points.add(kv.typeAt).add(kv.valueAt).add(kv.end);
    if (kv.string) addString(kv.string);
    if (kv.array) {
      points.add(kv.array.itemTypeAt).add(kv.array.countAt).add(kv.array.itemsAt);
      kv.array.strings.forEach(addString);
    }
  }
  for (const t of tensors) {
    addString(t.name);
    points.add(t.nDimsAt).add(t.typeAt).add(t.offsetAt).add(t.end);
    for (const n of t.ne) points.add(n.at);
    if (t.byteSize !== undefined) {
      const dataAt = layout.dataStart + Number(t.offset);
      points.add(dataAt).add(dataAt + Number(t.byteSize));
    }
  }
  points.add(layout.infosEnd).add(layout.dataStart);
  return [...points].filter((p) => p <= layout.size).sort((a, b) => a - b);
}
