/**
 * The bytes a token stands for when special tokens are rendered: llama.cpp's
 * token_to_piece with special = true (the piece cache it builds at load time).
 */
import { BYTE_OF_CHAR } from './byteLevelAlphabet.js';
import { TokenAttribute } from './tokenAttributes.js';
import { utf8Encode } from './utf8.js';
import type { Vocabulary } from './Vocabulary.js';

const SPM_SPACE = /\u2581/g;
const RENDERED_AS_TEXT = TokenAttribute.UNKNOWN | TokenAttribute.CONTROL | TokenAttribute.USER_DEFINED;
const EMPTY = new Uint8Array(0);

export function tokenPiece(vocab: Vocabulary, token: number): Uint8Array {
  const attribute = vocab.attributes[token] as number;
  const text = vocab.texts[token] as string;
  if (attribute & RENDERED_AS_TEXT) return utf8Encode(text);
  if (attribute & TokenAttribute.NORMAL) return vocab.kind === 'llama' ? utf8Encode(text.replace(SPM_SPACE, ' ')) : byteLevelDecode(text);
  if (attribute & TokenAttribute.BYTE) return Uint8Array.of(byteOfByteToken(text));
  // UNUSED and UNDEFINED tokens have no text.
  return EMPTY;
}

/** The byte of a "<0xXX>" token, read like llama.cpp's strtol on the two hex digits (invalid digits end the number). */
function byteOfByteToken(text: string): number {
  const value = parseInt(text.slice(3, 5), 16);
  return Number.isNaN(value) ? 0 : value & 0xff;
}

/**
 * A byte-level token's bytes. A character outside the byte alphabet cannot be
 * decoded; llama.cpp then emits "[UNK_BYTE_0x<utf-8 hex><token text>]", and so does this.
 */
function byteLevelDecode(text: string): Uint8Array {
  const bytes: number[] = [];
  for (const char of text) {
    const byte = BYTE_OF_CHAR.get(char.codePointAt(0) as number);
    if (byte !== undefined) {
      bytes.push(byte);
    } else {
      const hex = Array.from(utf8Encode(char), (b) => b.toString(16).padStart(2, '0')).join('');
      bytes.push(...utf8Encode(`[UNK_BYTE_0x${hex}${text}]`));
    }
  }
  return Uint8Array.from(bytes);
}
