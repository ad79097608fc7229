/**
 * ggml tensor types, by name and id. The table itself lives in native code
 * (native/engine/formats/tensor_type.cpp) so the block geometry is defined once.
 */
import { InvalidArgumentError } from '../errors.js';
import type { NativeTensorType } from '../native/addonTypes.js';
import { cpuAddon } from '../native/loadAddon.js';

/** Names of the types this library can dequantize (and, except IQ*, quantize). */
export const TENSOR_TYPE_NAMES = [
  'F32',
  'F16',
  'BF16',
  'Q4_0',
  'Q4_1',
  'Q5_0',
  'Q5_1',
  'Q8_0',
  'Q2_K',
  'Q3_K',
  'Q4_K',
  'Q5_K',
  'Q6_K',
  'IQ4_NL',
  'IQ4_XS',
] as const;

export type SupportedTensorType = (typeof TENSOR_TYPE_NAMES)[number];

/** Any ggml type name, including ones that can be read from a file but not computed with. */
export type TensorTypeName = SupportedTensorType | (string & {});

export type TensorTypeInfo = NativeTensorType;

let byId: Map<number, TensorTypeInfo> | undefined;
let byName: Map<string, TensorTypeInfo> | undefined;

function tables(): { byId: Map<number, TensorTypeInfo>; byName: Map<string, TensorTypeInfo> } {
  if (!byId || !byName) {
    const types = cpuAddon().tensorTypes();
    byId = new Map(types.map((t) => [t.id, t]));
    byName = new Map(types.map((t) => [t.name, t]));
  }
  return { byId, byName };
}

export function tensorTypeById(id: number): TensorTypeInfo | undefined {
  return tables().byId.get(id);
}

export function tensorTypeByName(name: string): TensorTypeInfo {
  const info = tables().byName.get(name);
  if (!info) {
    throw new InvalidArgumentError(`unknown tensor type '${name}' (known: ${[...tables().byName.keys()].join(', ')})`);
  }
  return info;
}

/** Bytes of `elements` consecutive elements of a type (elements must be a whole number of blocks). */
export function byteSize(type: TensorTypeInfo, elements: number): number {
  if (elements % type.blockSize !== 0) {
    throw new InvalidArgumentError(`${elements} elements is not a whole number of ${type.name} blocks of ${type.blockSize}`);
  }
  return (elements / type.blockSize) * type.typeSize;
}
