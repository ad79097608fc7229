/**
 * Watches streamed text for stop strings. Text that could still turn into a
 * stop string is held back, so a caller never sees part of one.
 */
export class StopStringMatcher {
  readonly #stops: readonly string[];
  #pending = '';

  constructor(stops: readonly string[]) {
    this.#stops = stops.filter((s) => s.length > 0);
  }

  /** Adds text; returns what is safe to emit, and whether a stop string completed (emitted text stops before it). */
  push(text: string): { emit: string; stopped: boolean } {
    this.#pending += text;
    let cut = -1;
    for (const stop of this.#stops) {
      const at = this.#pending.indexOf(stop);
      if (at >= 0 && (cut < 0 || at < cut)) cut = at;
    }
    if (cut >= 0) {
      const emit = this.#pending.slice(0, cut);
      this.#pending = '';
      return { emit, stopped: true };
    }
    // Hold back the longest tail that is a prefix of some stop string.
    let hold = 0;
    for (const stop of this.#stops) {
      for (let n = Math.min(stop.length - 1, this.#pending.length); n > hold; n--) {
        if (this.#pending.endsWith(stop.slice(0, n))) {
          hold = n;
          break;
        }
      }
    }
    const emit = this.#pending.slice(0, this.#pending.length - hold);
    this.#pending = this.#pending.slice(this.#pending.length - hold);
    return { emit, stopped: false };
  }

  /** What is still held back, at the end of generation. */
  flush(): string {
    const rest = this.#pending;
    this.#pending = '';
    return rest;
  }
}
