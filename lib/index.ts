/** llava-node's public API: re-exports only. */
export { LlavaModel, type FinishReason, type GenerateResult, type GenerationTimings, type StreamChunk } from './LlavaModel.js';
export { type GenerateOptions, type LoadOptions, type Numerics, GENERATION_DEFAULTS } from './options.js';
export { Tokenizer, type DetokenizeOptions, type TokenizeOptions } from './tokenizer/Tokenizer.js';
export { StreamingDetokenizer } from './tokenizer/StreamingDetokenizer.js';
export { type ChatMessage, type ChatRole, IMAGE_MARKER } from './chat/ChatMessage.js';
export type { ChatTemplate } from './chat/ChatTemplate.js';
export { BUILTIN_TEMPLATE_NAMES, type BuiltinTemplateName } from './chat/builtinTemplates.js';
export type { ChatTemplateChoice } from './chat/selectTemplate.js';
export { type PromptSegment, segmentPrompt } from './chat/promptSegments.js';
export {
  ContextOverflowError,
  DisposedError,
  GgufError,
  InvalidArgumentError,
  LlavaError,
  NoBinaryError,
  type GgufErrorCode,
} from './errors.js';
export { ImageError } from './image/ImageError.js';
export type { ImageInput } from './image/decodeImage.js';
export type { RgbImage } from './image/RgbImage.js';
export type { ImageEmbedding } from './vision/ImageEmbedding.js';
export type { ImageEncoder, VisionCompat } from './vision/ImageEncoder.js';
export { GgufFile, type GgufMetadataEntry, type GgufTensorInfo } from './gguf/GgufFile.js';
export { GgufWriter, type GgufWriteOptions, type TensorSource, type TensorSpec } from './gguf/GgufWriter.js';
export { TENSOR_TYPE_NAMES, type SupportedTensorType, type TensorTypeName } from './gguf/tensorTypes.js';
export { GgufValueType, type GgufArrayItems, type GgufTypedValue, type GgufValue } from './gguf/valueTypes.js';
export type { Device } from './native/loadAddon.js';
