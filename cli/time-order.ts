// Puts a roughly time-ordered stream in exact time order with bounded memory: up to `window`
// items are held in a min-heap and the oldest is released when a new one arrives. A stream whose
// items are never more than `window` places out of order comes out sorted; items with no time
// (NaN) come out first. Ties keep arrival order.

export class TimeOrderBuffer<T> {
  private readonly heap: Array<{ key: number; seq: number; item: T }> = [];
  private seq = 0;

  constructor(
    private readonly window: number,
    private readonly keyOf: (item: T) => number,
  ) {}

  /** Adds an item; returns the oldest held item once more than `window` are held. */
  push(item: T): T | undefined {
    const key = this.keyOf(item);
    this.add({ key: Number.isNaN(key) ? Number.NEGATIVE_INFINITY : key, seq: this.seq++, item });
    return this.heap.length > this.window ? this.pop() : undefined;
  }

  /** Everything still held, oldest first. */
  *drain(): Generator<T> {
    while (this.heap.length > 0) {
      const item = this.pop();
      if (item !== undefined) yield item;
    }
  }

  get size(): number {
    return this.heap.length;
  }

  private add(node: { key: number; seq: number; item: T }): void {
    const heap = this.heap;
    heap.push(node);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent];
      if (p === undefined || !before(node, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = node;
  }

  private pop(): T | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined) return undefined;
    if (heap.length === 0) return top.item;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const l = heap[left];
      const r = heap[right];
      let child = left;
      let c = l;
      if (r !== undefined && l !== undefined && before(r, l)) {
        child = right;
        c = r;
      }
      if (c === undefined || !before(c, last)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
    return top.item;
  }
}

function before(a: { key: number; seq: number }, b: { key: number; seq: number }): boolean {
  return a.key < b.key || (a.key === b.key && a.seq < b.seq);
}
