/**
 * The work queue of the BPE merge loop: candidate merges of two adjacent
 * symbols, highest priority first and, among equals, the leftmost first (the
 * order of llama.cpp's std::priority_queue comparators for both SPM and BPE).
 * A binary heap over parallel typed arrays, reused across words.
 */
export class BigramQueue {
  #priority = new Float64Array(64);
  #left = new Int32Array(64);
  #right = new Int32Array(64);
  /** Combined length of the two symbols when queued: a popped entry is stale when it no longer matches. */
  #size = new Int32Array(64);
  #count = 0;

  get isEmpty(): boolean {
    return this.#count === 0;
  }

  clear(): void {
    this.#count = 0;
  }

  push(priority: number, left: number, right: number, size: number): void {
    if (this.#count === this.#left.length) this.#grow();
    let i = this.#count++;
    // Sift up.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(priority, left, parent)) break;
      this.#move(parent, i);
      i = parent;
    }
    this.#set(i, priority, left, right, size);
  }

  /** Removes the top entry; read it first with topLeft/topRight/topSize. */
  pop(): void {
    const last = --this.#count;
    if (last === 0) return;
    const priority = this.#priority[last] as number;
    const left = this.#left[last] as number;
    const right = this.#right[last] as number;
    const size = this.#size[last] as number;
    let i = 0;
    // Sift the former last entry down from the root.
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      if (child + 1 < last && this.#entryBefore(child + 1, child)) child++;
      if (!this.#before(this.#priority[child] as number, this.#left[child] as number, i, priority, left)) break;
      this.#move(child, i);
      i = child;
    }
    this.#set(i, priority, left, right, size);
  }

  get topLeft(): number {
    return this.#left[0] as number;
  }

  get topRight(): number {
    return this.#right[0] as number;
  }

  get topSize(): number {
    return this.#size[0] as number;
  }

  /** Whether (priority, left) comes before the entry at `index`, or before (otherPriority, otherLeft) when given. */
  #before(priority: number, left: number, index: number, otherPriority = this.#priority[index] as number, otherLeft = this.#left[index] as number): boolean {
    return priority > otherPriority || (priority === otherPriority && left < otherLeft);
  }

  #entryBefore(a: number, b: number): boolean {
    return this.#before(this.#priority[a] as number, this.#left[a] as number, b);
  }

  #move(from: number, to: number): void {
    this.#set(to, this.#priority[from] as number, this.#left[from] as number, this.#right[from] as number, this.#size[from] as number);
  }

  #set(i: number, priority: number, left: number, right: number, size: number): void {
    this.#priority[i] = priority;
    this.#left[i] = left;
    this.#right[i] = right;
    this.#size[i] = size;
  }

  #grow(): void {
    const capacity = this.#left.length * 2;
    const grow = <T extends Float64Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.#priority = grow(this.#priority, (n) => new Float64Array(n));
    this.#left = grow(this.#left, (n) => new Int32Array(n));
    this.#right = grow(this.#right, (n) => new Int32Array(n));
    this.#size = grow(this.#size, (n) => new Int32Array(n));
  }
}
