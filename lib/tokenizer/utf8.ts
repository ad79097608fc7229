/** UTF-8 conversions shared by the tokenizer. */
import { TextDecoder, TextEncoder } from 'node:util';

const encoder = new TextEncoder();
// Keep a leading U+FEFF: llama.cpp's text comes back through V8's UTF-8
// decoder, which does not strip a byte order mark.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes UTF-8; each maximal invalid subpart becomes U+FFFD (as V8 does for llama.cpp's output). */
export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** A decoder for a byte stream split anywhere (same replacement rules, BOM kept). */
export function utf8StreamDecoder(): TextDecoder {
  return new TextDecoder('utf-8', { ignoreBOM: true });
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
