/**
 * A FIFO of samples for the Run's boundaries: O(1) push and shift with no per-item allocation
 * (`Array.prototype.shift` copies on large arrays), compacted as it drains.
 *
 * Threading: the thread that owns the Run.
 */
export class SampleQueue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  /** Items queued. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Appends at the tail. */
  push(item: T): void {
    this.items.push(item);
  }

  /** Removes and returns the oldest item, or undefined when empty. */
  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      // Drop the consumed prefix once it is most of the array, so memory follows the backlog.
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** The oldest item without removing it. */
  peek(): T | undefined {
    return this.items[this.head];
  }

  /** Removes and returns every item, oldest first. */
  drain(): T[] {
    const out = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return out;
  }
}

/**
 * A FIFO of numbers in a Float64Array ring that doubles when full: beside a {@link SampleQueue} it
 * holds one figure per queued sample (the push time, for latency) without an object per sample.
 *
 * Threading: the thread that owns the Run.
 */
export class NumberQueue {
  private data = new Float64Array(64);
  private head = 0;
  private size = 0;

  /** Numbers queued. */
  get length(): number {
    return this.size;
  }

  /** Appends at the tail; allocates only when the ring doubles. */
  push(x: number): void {
    const data = this.data;
    if (this.size === data.length) {
      const bigger = new Float64Array(data.length * 2);
      for (let i = 0; i < this.size; i++) bigger[i] = data[(this.head + i) & (data.length - 1)]!;
      this.data = bigger;
      this.head = 0;
    }
    this.data[(this.head + this.size++) & (this.data.length - 1)] = x;
  }

  /** Removes and returns the oldest number, or NaN when empty. */
  shift(): number {
    if (this.size === 0) return Number.NaN;
    const x = this.data[this.head]!;
    this.head = (this.head + 1) & (this.data.length - 1);
    this.size--;
    return x;
  }

  /** The oldest number without removing it, or NaN when empty. */
  peek(): number {
    return this.size === 0 ? Number.NaN : this.data[this.head]!;
  }

  /** Drops every number. */
  clear(): void {
    this.head = 0;
    this.size = 0;
  }
}
