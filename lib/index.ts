/** llava-node's public API: re-exports only. */
export { GgufError, InvalidArgumentError, LlavaError, NoBinaryError, type GgufErrorCode } from './errors.js';
export { GgufFile, type GgufMetadataEntry, type GgufTensorInfo } from './gguf/GgufFile.js';
export { GgufWriter, type GgufWriteOptions, type TensorSource, type TensorSpec } from './gguf/GgufWriter.js';
export { TENSOR_TYPE_NAMES, type SupportedTensorType, type TensorTypeName } from './gguf/tensorTypes.js';
export { GgufValueType, type GgufArrayItems, type GgufTypedValue, type GgufValue } from './gguf/valueTypes.js';
export type { Device } from './native/loadAddon.js';
