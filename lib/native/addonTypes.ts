/**
 * The shape of the native addon (native/addon/*.cpp) as seen from TypeScript.
 * Only lib/ code talks to it; users see the classes that wrap it.
 */
import type { Numerics } from '../options.js';

export interface NativeTensorType {
  id: number;
  name: string;
  blockSize: number;
  typeSize: number;
  canDequantize: boolean;
  canQuantize: boolean;
}

export interface NativeGgufInfo {
  version: number;
  alignment: number;
  dataOffset: number;
  fileSize: number;
}

export interface NativeMetadataEntry {
  key: string;
  type: number;
  /** Absolute offset of the record. */
  offset: number;
  /** Scalars only. */
  value?: number | bigint | boolean | string;
  /** Arrays only. */
  itemType?: number;
  count?: number;
}

export interface NativeTensorInfo {
  name: string;
  typeId: number;
  shape: number[];
  offset: number;
  size: number;
}

export type NativeArrayItems =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigUint64Array
  | BigInt64Array
  | string[];

export interface NativeGgufHandle {
  info(): NativeGgufInfo;
  metadata(): NativeMetadataEntry[];
  readArray(kvIndex: number, start: number, count: number): NativeArrayItems;
  tensors(): NativeTensorInfo[];
  tensorBytes(tensorIndex: number): Buffer;
  dequantize(tensorIndex: number): Promise<Float32Array>;
  close(): void;
}

export interface NativeCudaDevice {
  index: number;
  name: string;
  computeCapability: string;
  totalMemory: number;
}

export interface NativeCuda {
  /** Throws with the CUDA runtime's reason when no usable device exists. */
  devices(): NativeCudaDevice[];
  dequantize(typeId: number, bytes: Uint8Array, elementCount: number): Promise<Float32Array>;
}

export interface NativeModelInfo {
  architecture: string;
  nVocab: number;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  nHeadKv: number;
  nFf: number;
  nCtxTrain: number;
  contextSize: number;
}

export interface NativeModelHandle {
  info(): NativeModelInfo;
  /** Appends the tokens at the next positions; logits of every row (n × nVocab) or of the last. */
  evaluateTokens(tokens: Int32Array, allLogits: boolean): Promise<Float32Array>;
  /** Appends embedding rows (n × nEmbd) at the next positions. */
  evaluateEmbeddings(rows: Float32Array, allLogits: boolean): Promise<Float32Array>;
  nPast(): number;
  truncate(positions: number): void;
  /** Stops the operation in flight between two kernels; it rejects with nativeCode 'ABORTED'. */
  abort(): void;
  dispose(): void;
}

export interface NativeVisionInfo {
  imageSize: number;
  patchSize: number;
  nPatches: number;
  /** ViT width (the projector's input). */
  width: number;
  /** Projector output width (the text model's embedding width). */
  outputWidth: number;
  /** Encoder blocks stored in the file. */
  blockCount: number;
}

/**
 * 'reference': original LLaVA semantics (every stored block, class token first, exact erf GELU in the projector,
 * weights dequantized to f32 and f32 activations).
 * 'llama.cpp': current llama.cpp's (mtmd: blockCount − 1 blocks, class token appended last, f16-table GELUs,
 * f16 K/V in attention).
 * 'llama.cpp-portable': the same in the arithmetic of llama.cpp's portable x86-64 build.
 */
export type NativeVisionMode = 'reference' | 'llama.cpp' | 'llama.cpp-portable';

export interface NativeVisionEncoding {
  /** nPatches × outputWidth, one row per patch in row-major grid order. */
  embeddings: Float32Array;
  /** nPatches × width, the tower output fed to the projector (when asked for). */
  preProjector?: Float32Array;
}

export interface NativeVisionHandle {
  info(): NativeVisionInfo;
  /** pixels: 3 × imageSize × imageSize floats, planar RGB (CHW), already normalised. */
  encode(pixels: Float32Array, mode: NativeVisionMode, wantPreProjector: boolean): Promise<NativeVisionEncoding>;
  /** Stops the encode in flight between two encoder blocks; it rejects with nativeCode 'ABORTED'. */
  abort(): void;
  dispose(): void;
}

export interface NativeAddon {
  backend: 'cpu' | 'cuda';
  cpuFeatures(): Record<'avx2' | 'fma' | 'f16c' | 'avx512f' | 'avx512bw' | 'avx512vl', boolean>;
  GgufHandle: { open(path: string): Promise<NativeGgufHandle> };
  ModelHandle: { load(path: string, contextSize: number, threads: number, numerics: Numerics): Promise<NativeModelHandle> };
  VisionHandle: { load(path: string, threads: number): Promise<NativeVisionHandle> };
  tensorTypes(): NativeTensorType[];
  quantize(typeId: number, values: Float32Array, rowLength: number): Promise<Uint8Array>;
  dequantize(typeId: number, bytes: Uint8Array, elementCount: number): Promise<Float32Array>;
  fillRandomNormal(target: Float32Array, seed: number, firstIndex: number, std: number): Promise<void>;
  /** Present in the CUDA build only. */
  cuda?: NativeCuda;
}
