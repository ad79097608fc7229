/**
 * A deterministic corpus of damaged GGUF files derived from the shared
 * fixtures, for testing that the reader rejects damage cleanly (GgufError,
 * never a crash, hang or out-of-bounds read).
 *
 * Each file says what the reader must do with it. Damage that leaves every
 * read value intact but makes the file invalid (a truncation, a count that
 * cannot fit, an unknown type id) must be rejected, with the code the spec
 * implies. Damage whose effect depends on how the following bytes happen to
 * parse (random flips, a count off by one) may leave a valid-looking file:
 * it may open, and must then survive dequantizing every tensor.
 *
 * Files are built when their `bytes` are read, so the corpus (several hundred
 * copies of megabyte-sized fixtures) never sits in memory at once.
 */
import { readFileSync } from 'node:fs';

import type { GgufErrorCode } from '../../lib/errors.js';
import {
  FIXED_VALUE_SIZE,
  type GgufLayout,
  HEADER,
  type KvRecord,
  readLayout,
  structuralBoundaries,
  TENSOR_BLOCKS,
  type TensorInfoRecord,
  tensorByteSize,
  ValueType,
} from './ggufLayout.js';
import { SeededRng } from '../../lib/sampling/SeededRng.js';
import { fixture as sharedFixture } from '../support/paths.js';

/** What the reader must do with a damaged file. */
export type Expectation =
  | { outcome: 'rejected'; codes: readonly GgufErrorCode[] } // a GgufError with one of these codes
  | { outcome: 'opens' } // the damage leaves a valid file
  | { outcome: 'either' }; // depends on how later bytes parse; if it opens, it must dequantize

export interface DamagedFile {
  /** `<fixture>/<damage>`, unique within the corpus. */
  name: string;
  /** Built on each read; read it once. */
  readonly bytes: Uint8Array;
  expect: Expectation;
}

/** The small fixtures the corpus is derived from, relative to shared/fixtures. */
const FIXTURES: readonly { label: string; path: string }[] = [
  { label: 'stories260K', path: 'stories260K.gguf' },
  { label: 'all-types', path: 'golden/quant/all-types.gguf' },
  { label: 'tiny-mmproj-q8_0', path: 'golden/llava-tiny/tiny-mmproj-q8_0.gguf' },
  { label: 'mmproj-tinygemma3', path: 'mmproj-tinygemma3.gguf' },
  { label: 'vocab-llama-spm', path: 'ggml-vocab-llama-spm.gguf' }, // vocab only: ends right after its metadata
];

/** Random flips per fixture, aimed near structural fields or anywhere before the data. */
const RANDOM_FLIPS_PER_FIXTURE = 40;
const SEED = 0x6767_7566; // "gguf"

const U64_MAX = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;

const rejected = (...codes: GgufErrorCode[]): Expectation => ({ outcome: 'rejected', codes });
const OPENS: Expectation = { outcome: 'opens' };
const EITHER: Expectation = { outcome: 'either' };
/** Reads that stop short of a field fail in one of these ways, depending on which field the end cuts. */
const CUT_SHORT = rejected('GGUF_TRUNCATED', 'GGUF_BAD_STRING', 'GGUF_BAD_COUNT');

export function generateDamagedFiles(): DamagedFile[] {
  const files: DamagedFile[] = [
    { name: 'empty', expect: rejected('GGUF_TRUNCATED'), get bytes() { return new Uint8Array(0); } },
  ];
  const rng = new SeededRng(SEED); // the same corpus on every run
  const random = () => rng.next();
  for (const fixture of FIXTURES) {
    const base = new Uint8Array(readFileSync(sharedFixture(fixture.path)));
    const layout = readLayout(base);
    const add = (damage: string, expect: Expectation, build: () => Uint8Array): void => {
      files.push({ name: `${fixture.label}/${damage}`, expect, get bytes() { return build(); } });
    };
    const damage = new Damage(base, layout, add);
    damage.truncations();
    damage.header();
    damage.metadata();
    damage.alignment();
    damage.tensorInfos();
    damage.dataPlacement();
    damage.randomFlips(random);
  }
  return files;
}

type Add = (damage: string, expect: Expectation, build: () => Uint8Array) => void;

/** One tensor as the reader places it: offset and byte size within the data section. */
interface Placement {
  offset: bigint;
  bytes: bigint;
}

/** The damage done to one fixture. */
class Damage {
  constructor(
    private readonly base: Uint8Array,
    private readonly layout: GgufLayout,
    private readonly add: Add,
  ) {}

  /**
   * The fixture cut at every structural boundary and one byte either side:
   * all of the header and metadata, the chosen tensors' info records and data.
   */
  truncations(): void {
    const { base, layout } = this;
    const cuts = new Set<number>();
    for (const boundary of structuralBoundaries(layout, this.chosenTensors().map(([, t]) => t))) {
      for (const cut of [boundary - 1, boundary, boundary + 1]) if (cut >= 0 && cut < base.length) cuts.add(cut);
    }
    for (const cut of [...cuts].sort((a, b) => a - b)) {
      this.add(`truncated@${cut}`, this.truncationOutcome(cut), () => base.subarray(0, cut));
    }
  }

  header(): void {
    const { base, layout } = this;
    for (let i = 0; i < 4; i++) {
      this.add(`magic[${i}]^0xff`, rejected('GGUF_BAD_MAGIC'), () => patch(base, i, Uint8Array.of((base[i] as number) ^ 0xff)));
    }
    this.add('magic=GGML', rejected('GGUF_BAD_MAGIC'), () => patch(base, 0, new TextEncoder().encode('GGML')));

    const versions: [string, number][] = [['0', 0], ['1', 1], ['4', 4], ['big-endian-3', 3 << 24], ['big-endian-2', 2 << 24], ['2^32-1', 0xffff_ffff]];
    for (const [label, version] of versions) {
      this.add(`version=${label}`, rejected('GGUF_UNSUPPORTED_VERSION'), () => patch(base, HEADER.version, u32(version)));
    }
    // v2 and v3 share one layout, so relabelling the version changes nothing else.
    this.add(`version=${layout.version === 3 ? 2 : 3}`, OPENS, () => patch(base, HEADER.version, u32(layout.version === 3 ? 2 : 3)));

    const afterHeader = BigInt(base.length - HEADER.end);
    const countsThatCannotFit = (minRecord: bigint): [string, bigint][] => [
      ['2^63', 1n << 63n], ['2^64-1', U64_MAX], ['2^32', 1n << 32n], ['filesize', BigInt(base.length)],
      ['fits+1', afterHeader / minRecord + 1n],
    ];
    // Smallest records: a tensor info with an empty name and no dims (24 bytes), a kv with an empty key and a one-byte value (13).
    for (const [label, count] of countsThatCannotFit(24n)) {
      this.add(`tensor_count=${label}`, rejected('GGUF_BAD_COUNT'), () => patch(base, HEADER.tensorCount, u64(count)));
    }
    for (const [label, count] of countsThatCannotFit(13n)) {
      this.add(`kv_count=${label}`, rejected('GGUF_BAD_COUNT'), () => patch(base, HEADER.kvCount, u64(count)));
    }
    // Off by one: the reader then parses other bytes as records, with unpredictable results.
    for (const delta of [1, -1]) {
      if (layout.tensorCount + delta >= 0) {
        this.add(`tensor_count${delta > 0 ? '+' : ''}${delta}`, EITHER, () => patch(base, HEADER.tensorCount, u64(BigInt(layout.tensorCount + delta))));
      }
      if (layout.kvCount + delta >= 0) {
        this.add(`kv_count${delta > 0 ? '+' : ''}${delta}`, EITHER, () => patch(base, HEADER.kvCount, u64(BigInt(layout.kvCount + delta))));
      }
    }
  }

  metadata(): void {
    const { base, layout } = this;
    for (const [index, kv] of this.chosenKvs()) {
      const at = `kv[${index}]`;
      this.hugeStringLengths(`${at}.key`, kv.key.lengthAt);
      this.add(`${at}.key.length=0`, EITHER, () => patch(base, kv.key.lengthAt, u64(0n)));
      for (const [label, type] of UNKNOWN_VALUE_TYPES) {
        this.add(`${at}.type=${label}`, rejected('GGUF_BAD_VALUE_TYPE'), () => patch(base, kv.typeAt, u32(type)));
      }
      if (kv.string) this.hugeStringLengths(`${at}.value`, kv.string.lengthAt);
      if (kv.array) this.arrayDamage(at, kv.array);
    }

    // A later record repeating the first record's key.
    const first = layout.kvs[0];
    for (const index of new Set([1, layout.kvs.length - 1])) {
      const kv = layout.kvs[index];
      if (!first || !kv || index === 0) continue;
      this.add(`kv[${index}].key=kv[0].key`, rejected('GGUF_DUPLICATE_KEY'), () =>
        this.rebuild({ kvRegion: this.replaceInKvRegion(kv.key.lengthAt, kv.key.bytesAt + kv.key.length, ggufString(first.key.text)) }),
      );
    }
  }

  /** general.alignment inserted as the first record, with the data section moved to where the reader will look for it. */
  alignment(): void {
    const { layout } = this;
    if (layout.kvs.some((kv) => kv.key.text === 'general.alignment')) throw new Error('fixture already sets general.alignment');
    const record = (type: number, payload: Uint8Array): Uint8Array => concat(ggufString('general.alignment'), u32(type), payload);
    const invalid: [string, Uint8Array][] = [
      ['uint32:0', record(ValueType.UINT32, u32(0))],
      ['uint32:3', record(ValueType.UINT32, u32(3))],
      ['uint32:48', record(ValueType.UINT32, u32(48))],
      ['uint32:2^31', record(ValueType.UINT32, u32(2 ** 31))],
      ['int32:-32', record(ValueType.INT32, u32(-32 >>> 0))],
      ['uint64:2^63', record(ValueType.UINT64, u64(1n << 63n))],
      ['uint64:2^64-32', record(ValueType.UINT64, u64(U64_MAX - 31n))],
      ['float32:32', record(ValueType.FLOAT32, float32(32))],
      ['string:32', record(ValueType.STRING, ggufString('32'))],
      ['bool:1', record(ValueType.BOOL, Uint8Array.of(1))],
      ['array:[32]', record(ValueType.ARRAY, concat(u32(ValueType.UINT32), u64(1n), u32(32)))],
    ];
    for (const [label, bytes] of invalid) {
      this.add(`general.alignment=${label}`, rejected('GGUF_BAD_ALIGNMENT'), () => this.insertFirstKv(bytes, 32));
    }
    for (const alignment of [1, 16, 32, 64, 4096]) {
      const misaligned = layout.tensors.some((t) => t.offset % BigInt(alignment) !== 0n);
      this.add(`general.alignment=uint32:${alignment}`, misaligned ? rejected('GGUF_BAD_OFFSET') : OPENS, () =>
        this.insertFirstKv(record(ValueType.UINT32, u32(alignment)), alignment),
      );
    }
  }

  tensorInfos(): void {
    const { base, layout } = this;
    const first = layout.tensors[0];
    for (const [index, tensor] of this.chosenTensors()) {
      const at = `tensor[${index}]`;
      this.hugeStringLengths(`${at}.name`, tensor.name.lengthAt);
      this.add(`${at}.name.length=64`, rejected('GGUF_BAD_TENSOR_NAME'), () => patch(base, tensor.name.lengthAt, u64(64n)));
      this.add(`${at}.name=64 bytes`, rejected('GGUF_BAD_TENSOR_NAME'), () => this.renameTensor(tensor, 'x'.repeat(64)));
      this.add(`${at}.name=63 bytes`, OPENS, () => this.renameTensor(tensor, 'x'.repeat(63)));
      if (first && index > 0) {
        this.add(`${at}.name=tensor[0].name`, rejected('GGUF_BAD_TENSOR_NAME'), () => this.renameTensor(tensor, first.name.text));
      }

      for (const [label, nDims] of [['5', 5], ['2^31', 2 ** 31], ['2^32-1', 0xffff_ffff]] as const) {
        this.add(`${at}.n_dims=${label}`, rejected('GGUF_BAD_DIMENSIONS'), () => patch(base, tensor.nDimsAt, u32(nDims)));
      }
      // The following bytes then parse as the type and offset.
      this.add(`${at}.n_dims=0`, EITHER, () => patch(base, tensor.nDimsAt, u32(0)));
      if (tensor.nDims < 4) this.add(`${at}.n_dims+1`, EITHER, () => patch(base, tensor.nDimsAt, u32(tensor.nDims + 1)));

      this.dimensionDamage(at, index, tensor);
      this.typeDamage(at, index, tensor);
      this.offsetDamage(at, index, tensor);
    }
  }

  /** The data section moved off the alignment the reader expects, or cut short by its padding. */
  dataPlacement(): void {
    const { base, layout } = this;
    if (layout.tensors.length === 0) return;
    const data = base.subarray(layout.dataStart);
    const infos = base.subarray(0, layout.infosEnd);
    for (const shift of [1, layout.alignment - 1, layout.alignment]) {
      // The reader still reads from the aligned start, so tensors shift against their data but stay inside the file.
      this.add(`data shifted +${shift}`, OPENS, () => concat(base.subarray(0, layout.dataStart), new Uint8Array(shift), data));
    }
    const padding = layout.dataStart - layout.infosEnd;
    if (padding > 0) {
      // Data written right after the infos: the file is `padding` bytes short of where the reader expects the data to end.
      const dataSize = BigInt(data.length - padding);
      this.add('data unaligned (padding removed)', placementOutcome(this.placements(), dataSize), () => concat(infos, data));
    }
  }

  randomFlips(random: () => number): void {
    const { base, layout } = this;
    const boundaries = structuralBoundaries(layout).filter((b) => b < layout.infosEnd);
    for (let n = 0; n < RANDOM_FLIPS_PER_FIXTURE; n++) {
      const flips: [number, number][] = [];
      const count = 1 + Math.floor(random() * 4);
      for (let i = 0; i < count; i++) {
        // Half of the flips land within 8 bytes of a field start (where counts, lengths and ids live).
        const near = boundaries[Math.floor(random() * boundaries.length)] as number;
        const position = random() < 0.5 ? Math.min(near + Math.floor(random() * 8), layout.infosEnd - 1) : Math.floor(random() * layout.infosEnd);
        flips.push([position, 1 + Math.floor(random() * 255)]);
      }
      const hitsMagic = flips.some(([position]) => position < 4);
      const label = flips.map(([position, mask]) => `${position}^${mask.toString(16)}`).join(',');
      this.add(`flip ${label}`, hitsMagic ? rejected('GGUF_BAD_MAGIC') : EITHER, () => {
        const bytes = base.slice();
        for (const [position, mask] of flips) bytes[position] = (bytes[position] as number) ^ mask;
        return bytes;
      });
    }
  }

  // ---- aimed damage, per field ---------------------------------------------------------------

  /** String lengths that run past the end of the file, however they are added up. */
  private hugeStringLengths(field: string, lengthAt: number): void {
    const remaining = BigInt(this.base.length - (lengthAt + 8));
    const lengths: [string, bigint][] = [['2^63', 1n << 63n], ['2^64-1', U64_MAX], ['filesize+1', BigInt(this.base.length + 1)], ['remaining+1', remaining + 1n]];
    for (const [label, length] of lengths) {
      this.add(`${field}.length=${label}`, rejected('GGUF_BAD_STRING'), () => patch(this.base, lengthAt, u64(length)));
    }
  }

  private arrayDamage(at: string, array: NonNullable<KvRecord['array']>): void {
    const { base } = this;
    for (const [label, type] of [['9 (array of arrays)', ValueType.ARRAY], ...UNKNOWN_VALUE_TYPES] as const) {
      this.add(`${at}.item_type=${label}`, rejected('GGUF_BAD_VALUE_TYPE'), () => patch(base, array.itemTypeAt, u32(type)));
    }
    // A string item is at least its 8-byte length prefix.
    const minItem = BigInt(FIXED_VALUE_SIZE[array.itemType] ?? 8);
    const remaining = BigInt(base.length - array.itemsAt);
    const counts: [string, bigint][] = [['2^63', 1n << 63n], ['2^64-1', U64_MAX], ['fits+1', remaining / minItem + 1n]];
    // A count whose byte size wraps to zero in 64-bit arithmetic.
    if (minItem > 1n) counts.push([`2^64/${minItem}`, (1n << 64n) / minItem]);
    for (const [label, count] of counts) {
      this.add(`${at}.count=${label}`, rejected('GGUF_BAD_COUNT'), () => patch(base, array.countAt, u64(count)));
    }
    this.add(`${at}.count=0`, EITHER, () => patch(base, array.countAt, u64(0n)));
    const firstString = array.strings[0];
    if (firstString) this.hugeStringLengths(`${at}[0]`, firstString.lengthAt);
  }

  private dimensionDamage(at: string, index: number, tensor: TensorInfoRecord): void {
    const ne = tensor.ne.map((n) => n.value);
    const last = ne.length - 1;
    if (last < 0) return;
    const withDim = (d: number, value: bigint): bigint[] => ne.map((n, i) => (i === d ? value : n));
    const shapes: [string, bigint[]][] = [
      ['ne[0]=2^63', withDim(0, 1n << 63n)],
      ['ne[0]=2^64-1', withDim(0, U64_MAX)],
      ['ne[0]=2^62', withDim(0, 1n << 62n)],
      [`ne[${last}]*2^20`, withDim(last, (ne[last] as bigint) << 20n)],
      [`ne[${last}]*2`, withDim(last, (ne[last] as bigint) * 2n)],
      [`ne[${last}]=0`, withDim(last, 0n)],
    ];
    if (last > 0) {
      shapes.push([`ne[${last}]=2^63`, withDim(last, 1n << 63n)]);
      shapes.push(['ne[0]=ne[1]=2^32', ne.map((n, i) => (i < 2 ? 1n << 32n : n))]);
    }
    const blockSize = TENSOR_BLOCKS[tensor.type]?.blockSize ?? 1;
    if (blockSize > 1) {
      shapes.push(['ne[0]+1', withDim(0, (ne[0] as bigint) + 1n)]);
      shapes.push(['ne[0]=block/2', withDim(0, BigInt(blockSize / 2))]);
    }
    for (const [label, shape] of shapes) {
      this.add(`${at}.${label}`, this.editedTensorOutcome(index, shape, tensor.type), () => {
        const bytes = this.base.slice();
        shape.forEach((n, d) => bytes.set(u64(n), (tensor.ne[d] as { at: number }).at));
        return bytes;
      });
    }
  }

  private typeDamage(at: string, index: number, tensor: TensorInfoRecord): void {
    for (const type of [4, 5, 31, 32, 36, 40, 2 ** 31, 0xffff_ffff]) {
      this.add(`${at}.type=${type}`, rejected('GGUF_UNKNOWN_TENSOR_TYPE'), () => patch(this.base, tensor.typeAt, u32(type)));
    }
    const ne = tensor.ne.map((n) => n.value);
    for (const [name, type] of [['F32', 0], ['Q8_0', 8], ['Q4_K', 12]] as const) {
      if (type === tensor.type) continue;
      this.add(`${at}.type=${name}`, this.editedTensorOutcome(index, ne, type), () => patch(this.base, tensor.typeAt, u32(type)));
    }
  }

  private offsetDamage(at: string, index: number, tensor: TensorInfoRecord): void {
    const { layout } = this;
    const alignment = BigInt(layout.alignment);
    const dataSize = BigInt(layout.size - layout.dataStart);
    const bytes = tensor.byteSize ?? 0n;
    const roundUp = (n: bigint): bigint => ((n + alignment - 1n) / alignment) * alignment;
    const offsets: [string, bigint, Expectation][] = [
      ['+1', tensor.offset + 1n, rejected('GGUF_BAD_OFFSET')],
      ['+alignment/2', tensor.offset + alignment / 2n, rejected('GGUF_BAD_OFFSET')],
      ['=2^63', 1n << 63n, rejected('GGUF_BAD_OFFSET')],
      ['=2^64-alignment', (1n << 64n) - alignment, rejected('GGUF_BAD_OFFSET')],
      ['=past end', roundUp(dataSize) + alignment, rejected('GGUF_BAD_OFFSET')],
    ];
    if (bytes > 0n) offsets.push(['=straddles end', roundUp(dataSize - bytes + 1n), rejected('GGUF_BAD_OFFSET')]);
    // Onto the tensor stored just before it: the two now share bytes (unless that one is empty).
    const placements = this.placements();
    const before = placements
      .map((p, i) => ({ ...p, i }))
      .filter((p) => p.offset < tensor.offset)
      .sort((a, b) => (a.offset < b.offset ? 1 : -1))[0];
    if (before) {
      const moved = placements.map((p, i) => (i === index ? { ...p, offset: before.offset } : p));
      offsets.push([`=tensor[${before.i}].offset`, before.offset, placementOutcome(moved, dataSize)]);
    }
    for (const [label, offset, expect] of offsets) {
      this.add(`${at}.offset${label}`, expect, () => patch(this.base, tensor.offsetAt, u64(offset)));
    }
  }

  // ---- expectations -----------------------------------------------------------------------------

  private truncationOutcome(cut: number): Expectation {
    const { layout } = this;
    if (cut < HEADER.end) return rejected('GGUF_TRUNCATED');
    if (cut < layout.infosEnd) return CUT_SHORT;
    // A file without tensors may end right after its metadata (vocab-only files do).
    if (layout.tensors.length === 0) return OPENS;
    if (cut < layout.dataStart) return rejected('GGUF_TRUNCATED');
    return placementOutcome(this.placements(), BigInt(cut - layout.dataStart));
  }

  /**
   * Tensor `index` given a new shape and type, everything else intact: the
   * checks the spec implies, in the order a record is read (dimensions, type,
   * block multiple, byte size), then where it lands among the others.
   */
  private editedTensorOutcome(index: number, ne: readonly bigint[], type: number): Expectation {
    let elements = 1n;
    for (const n of ne) {
      if (n > I64_MAX || (n !== 0n && elements > I64_MAX / n)) return rejected('GGUF_BAD_DIMENSIONS');
      elements *= n;
    }
    const blocks = TENSOR_BLOCKS[type];
    if (!blocks) return EITHER; // a type the spec's table does not size
    if ((ne[0] ?? 1n) % BigInt(blocks.blockSize) !== 0n) return rejected('GGUF_BAD_SHAPE');
    const bytes = tensorByteSize(type, ne) as bigint;
    if (bytes > I64_MAX) return rejected('GGUF_BAD_DIMENSIONS');
    const placements = this.placements().map((p, i) => (i === index ? { ...p, bytes } : p));
    return placementOutcome(placements, BigInt(this.layout.size - this.layout.dataStart));
  }

  private placements(): Placement[] {
    return this.layout.tensors.map((t) => {
      if (t.byteSize === undefined) throw new Error(`fixture tensor '${t.name.text}' has a type the spec's table does not size`);
      return { offset: t.offset, bytes: t.byteSize };
    });
  }

  // ---- targets ------------------------------------------------------------------------------------

  /** The first and last records, the first of each scalar kind, and one array per item type. */
  private chosenKvs(): [number, KvRecord][] {
    const kvs = this.layout.kvs;
    const wanted = new Set<number>([0, kvs.length - 1]);
    for (const type of [ValueType.STRING, ValueType.UINT32, ValueType.FLOAT32, ValueType.BOOL]) {
      const i = kvs.findIndex((kv) => kv.type === type);
      if (i >= 0) wanted.add(i);
    }
    // Every distinct array item type: string arrays and numeric arrays fail differently.
    const itemTypes = new Set<number>();
    kvs.forEach((kv, i) => {
      if (kv.array && !itemTypes.has(kv.array.itemType)) {
        itemTypes.add(kv.array.itemType);
        wanted.add(i);
      }
    });
    return [...wanted].filter((i) => i >= 0).sort((a, b) => a - b).map((i) => [i, kvs[i] as KvRecord]);
  }

  /** The first two and last tensors, and the first tensor of each type. */
  private chosenTensors(): [number, TensorInfoRecord][] {
    const tensors = this.layout.tensors;
    const wanted = new Set<number>([0, 1, tensors.length - 1]);
    const types = new Set<number>();
    tensors.forEach((t, i) => {
      if (!types.has(t.type)) {
        types.add(t.type);
        wanted.add(i);
      }
    });
    return [...wanted].filter((i) => i >= 0 && i < tensors.length).sort((a, b) => a - b).map((i) => [i, tensors[i] as TensorInfoRecord]);
  }

  // ---- rebuilding ---------------------------------------------------------------------------------

  /** The metadata region with bytes [from, to) replaced. */
  private replaceInKvRegion(from: number, to: number, replacement: Uint8Array): Uint8Array {
    const kvEnd = this.kvEnd();
    return concat(this.base.subarray(HEADER.end, from), replacement, this.base.subarray(to, kvEnd));
  }

  private insertFirstKv(record: Uint8Array, alignment: number): Uint8Array {
    const kvRegion = concat(record, this.base.subarray(HEADER.end, this.kvEnd()));
    return this.rebuild({ kvCount: this.layout.kvCount + 1, kvRegion, alignment });
  }

  private renameTensor(tensor: TensorInfoRecord, name: string): Uint8Array {
    const infos = this.base.subarray(this.kvEnd(), this.layout.infosEnd);
    const start = tensor.name.lengthAt - this.kvEnd();
    const end = tensor.name.bytesAt + tensor.name.length - this.kvEnd();
    return this.rebuild({ infoRegion: concat(infos.subarray(0, start), ggufString(name), infos.subarray(end)) });
  }

  private kvEnd(): number {
    return this.layout.kvs.at(-1)?.end ?? HEADER.end;
  }

  /**
   * The fixture reassembled with a new metadata or tensor-info region, its
   * data section moved to where the reader will compute it
   * (`round_up(end of infos, alignment)`), so only the edit itself differs.
   */
  private rebuild(edit: { kvCount?: number; kvRegion?: Uint8Array; infoRegion?: Uint8Array; alignment?: number }): Uint8Array {
    const { base, layout } = this;
    const header = base.slice(0, HEADER.end);
    if (edit.kvCount !== undefined) header.set(u64(BigInt(edit.kvCount)), HEADER.kvCount);
    const kvRegion = edit.kvRegion ?? base.subarray(HEADER.end, this.kvEnd());
    const infoRegion = edit.infoRegion ?? base.subarray(this.kvEnd(), layout.infosEnd);
    const infosEnd = HEADER.end + kvRegion.length + infoRegion.length;
    const alignment = edit.alignment ?? layout.alignment;
    const padding = layout.tensors.length === 0 ? 0 : (alignment - (infosEnd % alignment)) % alignment;
    return concat(header, kvRegion, infoRegion, new Uint8Array(padding), base.subarray(Math.min(layout.dataStart, base.length)));
  }
}

/** Metadata value type ids GGUF does not define. */
const UNKNOWN_VALUE_TYPES: readonly (readonly [string, number])[] = [['13', 13], ['255', 255], ['2^31', 2 ** 31], ['2^32-1', 0xffff_ffff]];

/** In bounds first (every tensor), then no two tensors sharing bytes. */
function placementOutcome(placements: readonly Placement[], dataSize: bigint): Expectation {
  if (placements.some((p) => p.offset > dataSize || p.bytes > dataSize - p.offset)) return rejected('GGUF_BAD_OFFSET');
  const sorted = [...placements].sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1] as Placement;
    if (prev.offset + prev.bytes > (sorted[i] as Placement).offset) return rejected('GGUF_TENSOR_OVERLAP');
  }
  return OPENS;
}

// ---- byte helpers -------------------------------------------------------------------------------

function patch(base: Uint8Array, at: number, bytes: Uint8Array): Uint8Array {
  const copy = base.slice();
  copy.set(bytes, at);
  return copy;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function u32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, true);
  return out;
}

function u64(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value, true);
  return out;
}

function float32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setFloat32(0, value, true);
  return out;
}

function ggufString(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  return concat(u64(BigInt(bytes.length)), bytes);
}
