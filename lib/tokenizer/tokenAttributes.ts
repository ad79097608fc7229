/**
 * Per-token attribute bits, as llama.cpp keeps them (llama_token_attr). A
 * token starts with the attribute of its GGUF `token_type`; loading may add
 * bits (a NORMAL "<|im_end|>" becomes CONTROL too), so they are a bit set
 * rather than the single type the file stores.
 */
export const TokenAttribute = {
  UNDEFINED: 0,
  UNKNOWN: 1 << 0,
  UNUSED: 1 << 1,
  NORMAL: 1 << 2,
  CONTROL: 1 << 3,
  USER_DEFINED: 1 << 4,
  BYTE: 1 << 5,
  /** Whitespace before the token is dropped when matching it in text. */
  LSTRIP: 1 << 7,
  /** Whitespace after the token is dropped when matching it in text. */
  RSTRIP: 1 << 8,
} as const;

/** GGUF `tokenizer.ggml.token_type` values. */
const GgufTokenType = {
  UNDEFINED: 0,
  NORMAL: 1,
  UNKNOWN: 2,
  CONTROL: 3,
  USER_DEFINED: 4,
  UNUSED: 5,
  BYTE: 6,
} as const;

/** The attribute a GGUF token type starts with; unknown type values count as UNDEFINED. */
export function attributeOfTokenType(tokenType: number): number {
  switch (tokenType) {
    case GgufTokenType.NORMAL:
      return TokenAttribute.NORMAL;
    case GgufTokenType.UNKNOWN:
      return TokenAttribute.UNKNOWN;
    case GgufTokenType.CONTROL:
      return TokenAttribute.CONTROL;
    case GgufTokenType.USER_DEFINED:
      return TokenAttribute.USER_DEFINED;
    case GgufTokenType.UNUSED:
      return TokenAttribute.UNUSED;
    case GgufTokenType.BYTE:
      return TokenAttribute.BYTE;
    default:
      return TokenAttribute.UNDEFINED;
  }
}

/** Tokens hidden from text unless special tokens are rendered. */
export const HIDDEN_UNLESS_SPECIAL = TokenAttribute.UNKNOWN | TokenAttribute.CONTROL;

/** Tokens the special-token partition looks for in text (each subject to parseSpecial as llama.cpp decides). */
export const MATCHED_IN_TEXT = TokenAttribute.CONTROL | TokenAttribute.USER_DEFINED | TokenAttribute.UNKNOWN;
