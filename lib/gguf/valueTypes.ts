/** GGUF metadata value types (spec §1.2) and the typed values the reader returns and the writer takes. */

export enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

export type GgufNumberType =
  | GgufValueType.UINT8
  | GgufValueType.INT8
  | GgufValueType.UINT16
  | GgufValueType.INT16
  | GgufValueType.UINT32
  | GgufValueType.INT32
  | GgufValueType.FLOAT32
  | GgufValueType.FLOAT64;

export type GgufBigIntType = GgufValueType.UINT64 | GgufValueType.INT64;

/** One array's items: numbers for the narrow numeric types, bigints for 64-bit integers. */
export type GgufArrayItems = ArrayLike<number> | ArrayLike<bigint> | readonly boolean[] | readonly string[];

/** A metadata value together with its GGUF type, as stored in (or bound for) a file. */
export type GgufTypedValue =
  | { type: GgufNumberType; value: number }
  | { type: GgufBigIntType; value: bigint }
  | { type: GgufValueType.BOOL; value: boolean }
  | { type: GgufValueType.STRING; value: string }
  | { type: GgufValueType.ARRAY; itemType: Exclude<GgufValueType, GgufValueType.ARRAY>; value: GgufArrayItems };

/** What `GgufFile.get` returns: the bare value, arrays materialised. */
export type GgufValue = GgufTypedValue['value'];

/** Bytes of one fixed-size value, or 0 for STRING / ARRAY. */
export function fixedSize(type: GgufValueType): number {
  switch (type) {
    case GgufValueType.UINT8:
    case GgufValueType.INT8:
    case GgufValueType.BOOL:
      return 1;
    case GgufValueType.UINT16:
    case GgufValueType.INT16:
      return 2;
    case GgufValueType.UINT32:
    case GgufValueType.INT32:
    case GgufValueType.FLOAT32:
      return 4;
    case GgufValueType.UINT64:
    case GgufValueType.INT64:
    case GgufValueType.FLOAT64:
      return 8;
    default:
      return 0;
  }
}

/**
 * The shortest decimal that rounds to the same float32 as `x` (so a stored
 * 1e-5 reads back as 1e-5 rather than its float64 widening
 * 0.000009999999747378752). Writing it back as FLOAT32 gives the same bits.
 */
export function shortestFloat32(x: number): number {
  if (!Number.isFinite(x)) return x;
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(x.toPrecision(digits));
    if (Math.fround(candidate) === x) return candidate;
  }
  return x;
}
