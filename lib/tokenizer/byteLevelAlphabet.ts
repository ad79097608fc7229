/**
 * GPT-2's byte-level alphabet: every byte stands for one printable code point
 * so that byte-level BPE vocabularies are plain text. Printable Latin-1 bytes
 * stand for themselves; the other 68 bytes, in order, for U+0100, U+0101, …
 */
import { TextDecoder } from 'node:util';

/** Code point that stands for each byte. */
export const CHAR_OF_BYTE = new Uint16Array(256);
/** Byte that each alphabet code point stands for. */
export const BYTE_OF_CHAR = new Map<number, number>();

{
  const standsForItself = (byte: number): boolean => (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
  let next = 0x100;
  for (let byte = 0; byte < 256; byte++) {
    const char = standsForItself(byte) ? byte : next++;
    CHAR_OF_BYTE[byte] = char;
    BYTE_OF_CHAR.set(char, byte);
  }
}

// The alphabet is all in the Basic Multilingual Plane, so a UTF-16 buffer of it decodes one unit per character.
const utf16Decoder = new TextDecoder('utf-16le');

/** The alphabet string for some bytes (e.g. a word's UTF-8). */
export function byteLevelEncode(bytes: Uint8Array): string {
  const units = new Uint16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) units[i] = CHAR_OF_BYTE[bytes[i] as number] as number;
  return utf16Decoder.decode(units);
}
