/**
 * Prompt text → segments: runs of token ids and image slots. The text is cut
 * at each `<image>` marker and every piece is tokenized on its own, exactly as
 * llava-cli does: BOS on the first piece only, special tokens parsed, and (for
 * SentencePiece vocabularies) each piece gets its own leading-space prefix.
 */
import type { Tokenizer } from '../tokenizer/Tokenizer.js';
import { IMAGE_MARKER } from './ChatMessage.js';

export type PromptSegment = { kind: 'tokens'; tokens: number[] } | { kind: 'image'; index: number };

export function segmentPrompt(text: string, tokenizer: Tokenizer): PromptSegment[] {
  const segments: PromptSegment[] = [];
  text.split(IMAGE_MARKER).forEach((piece, i) => {
    if (i > 0) segments.push({ kind: 'image', index: i - 1 });
    const tokens = tokenizer.tokenize(piece, { addSpecial: i === 0, parseSpecial: true });
    if (tokens.length > 0) segments.push({ kind: 'tokens', tokens });
  });
  return segments;
}
