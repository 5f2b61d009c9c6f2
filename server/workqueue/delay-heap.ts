/**
 * Keys waiting for a ready time: a binary min-heap ordered by (readyAt, insertion order), with a map holding each
 * key's one current ready time. Moving a key earlier pushes a new entry; the superseded one is skipped when it
 * reaches the top (lazy deletion), so every operation stays O(log n).
 */
interface Entry {
  readonly key: string;
  readonly readyAt: number;
  readonly seq: number;
}

export class DelayHeap {
  readonly #heap: Entry[] = [];
  readonly #readyAt = new Map<string, number>();
  #seq = 0;

  get size(): number {
    return this.#readyAt.size;
  }

  has(key: string): boolean {
    return this.#readyAt.has(key);
  }

  /** Schedules `key` at `readyAt`, or earlier if it was already scheduled earlier (the earliest ready time wins). */
  schedule(key: string, readyAt: number): void {
    const current = this.#readyAt.get(key);
    if (current !== undefined && current <= readyAt) return;
    this.#readyAt.set(key, readyAt);
    this.#push({ key, readyAt, seq: this.#seq++ });
    this.#compactIfStale();
  }

  delete(key: string): void {
    if (this.#readyAt.delete(key)) this.#compactIfStale();
  }

  clear(): void {
    this.#readyAt.clear();
    this.#heap.length = 0;
  }

  /** The earliest ready time, or undefined when nothing waits. */
  peekReadyAt(): number | undefined {
    this.#dropStale();
    return this.#heap[0]?.readyAt;
  }

  /** Removes and returns, in ready order, every key whose ready time is at or before `now`. */
  takeReady(now: number): string[] {
    const ready: string[] = [];
    for (;;) {
      this.#dropStale();
      const top = this.#heap[0];
      if (top === undefined || top.readyAt > now) return ready;
      this.#pop();
      this.#readyAt.delete(top.key);
      ready.push(top.key);
    }
  }

  /** Superseded entries far from the top would otherwise pile up: rebuild once they outnumber the live ones. */
  #compactIfStale(): void {
    if (this.#heap.length <= 2 * this.#readyAt.size + 64) return;
    const live = this.#heap.filter((entry) => this.#readyAt.get(entry.key) === entry.readyAt);
    const seen = new Set<string>();
    this.#heap.length = 0;
    for (const entry of live.sort((a, b) => (isBefore(a, b) ? -1 : 1))) {
      // Two entries of one key can share its ready time (deleted, then scheduled again): keep the first.
      if (seen.has(entry.key)) continue;
      seen.add(entry.key);
      this.#heap.push(entry);
    }
  }

  #dropStale(): void {
    for (;;) {
      const top = this.#heap[0];
      if (top === undefined || this.#readyAt.get(top.key) === top.readyAt) return;
      this.#pop();
    }
  }

  #push(entry: Entry): void {
    const heap = this.#heap;
    heap.push(entry);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!isBefore(entry, heap[parent] as Entry)) break;
      heap[index] = heap[parent] as Entry;
      index = parent;
    }
    heap[index] = entry;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && isBefore(heap[right] as Entry, heap[left] as Entry) ? right : left;
      if (!isBefore(heap[child] as Entry, last)) break;
      heap[index] = heap[child] as Entry;
      index = child;
    }
    heap[index] = last;
  }
}

function isBefore(a: Entry, b: Entry): boolean {
  return a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.seq < b.seq);
}
