/**
 * The merge loop shared by the SentencePiece-style and the byte-level BPE
 * tokenizers (llama.cpp's llm_tokenizer_spm_session / llm_tokenizer_bpe_session):
 * start from one symbol per character, repeatedly merge the best adjacent pair
 * (highest priority, then leftmost), and stop when no adjacent pair can merge.
 * Symbols only grow, so a queued pair is stale exactly when the two symbols'
 * combined length has changed since it was queued.
 */
import { BigramQueue } from './BigramQueue.js';

/** The priority of merging text[start, mid) with text[mid, end), higher first; undefined when they cannot merge. */
export type PairPriority = (text: string, start: number, mid: number, end: number) => number | undefined;

export class SymbolMerger {
  readonly #queue = new BigramQueue();
  #start = new Int32Array(256);
  #length = new Int32Array(256);
  #prev = new Int32Array(256);
  #next = new Int32Array(256);

  /**
   * Merges `text` (split into code points) and returns the end offset (UTF-16
   * index) of each resulting symbol, in order.
   */
  merge(text: string, pairPriority: PairPriority): number[] {
    this.#ensureCapacity(text.length);
    const start = this.#start, length = this.#length, prev = this.#prev, next = this.#next;
    let count = 0;
    for (let offset = 0; offset < text.length; count++) {
      const units = isSurrogatePairAt(text, offset) ? 2 : 1;
      start[count] = offset;
      length[count] = units;
      prev[count] = count - 1;
      offset += units;
      next[count] = offset < text.length ? count + 1 : -1;
    }

    const queue = this.#queue;
    queue.clear();
    const tryQueue = (left: number, right: number): void => {
      if (left < 0 || right < 0) return;
      const mid = start[right] as number;
      const priority = pairPriority(text, start[left] as number, mid, mid + (length[right] as number));
      if (priority !== undefined) queue.push(priority, left, right, (length[left] as number) + (length[right] as number));
    };

    for (let i = 1; i < count; i++) tryQueue(i - 1, i);
    while (!queue.isEmpty) {
      const left = queue.topLeft, right = queue.topRight, size = queue.topSize;
      queue.pop();
      const leftLength = length[left] as number, rightLength = length[right] as number;
      if (leftLength === 0 || rightLength === 0 || leftLength + rightLength !== size) continue;
      length[left] = size;
      length[right] = 0;
      const after = next[right] as number;
      next[left] = after;
      if (after >= 0) prev[after] = left;
      tryQueue(prev[left] as number, left);
      tryQueue(left, after);
    }

    const ends: number[] = [];
    for (let i = count > 0 ? 0 : -1; i !== -1; i = next[i] as number) ends.push((start[i] as number) + (length[i] as number));
    return ends;
  }

  #ensureCapacity(n: number): void {
    if (n <= this.#start.length) return;
    const capacity = Math.max(n, this.#start.length * 2);
    this.#start = new Int32Array(capacity);
    this.#length = new Int32Array(capacity);
    this.#prev = new Int32Array(capacity);
    this.#next = new Int32Array(capacity);
  }
}

function isSurrogatePairAt(text: string, offset: number): boolean {
  const unit = text.charCodeAt(offset);
  if (unit < 0xd800 || unit > 0xdbff || offset + 1 >= text.length) return false;
  const low = text.charCodeAt(offset + 1);
  return low >= 0xdc00 && low <= 0xdfff;
}
