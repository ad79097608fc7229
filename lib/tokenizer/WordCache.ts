/**
 * Token ids of recently encoded words. Text repeats words constantly, and a
 * word's encoding does not depend on where it occurs, so each distinct word is
 * merged once. Bounded: when full it starts over rather than growing without limit.
 */
const MAX_WORDS = 1 << 16;

export class WordCache {
  readonly #ids = new Map<string, readonly number[]>();

  /** Appends the ids of `word` to `out`, encoding it with `encode` on a miss. */
  append(word: string, out: number[], encode: (word: string) => number[]): void {
    let ids = this.#ids.get(word);
    if (ids === undefined) {
      ids = encode(word);
      if (this.#ids.size >= MAX_WORDS) this.#ids.clear();
      this.#ids.set(word, ids);
    }
    for (let i = 0; i < ids.length; i++) out.push(ids[i] as number);
  }
}
