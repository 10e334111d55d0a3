/** Power of two. Small: every connection holds two queues, mostly with a message or none. */
const INITIAL_CAPACITY = 4;

/**
 * FIFO on a growable ring buffer: O(1) push and shift, unlike Array#shift, which is
 * O(n) once V8 gives up on its fast path for large arrays.
 */
export class Queue<T> {
  #items: (T | undefined)[] = new Array(INITIAL_CAPACITY);
  #head = 0;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(item: T): void {
    if (this.#length === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#length) & (this.#items.length - 1)] = item;
    this.#length++;
  }

  /** The item `index` places from the front, without removing it. */
  at(index: number): T | undefined {
    if (index < 0 || index >= this.#length) return undefined;
    return this.#items[(this.#head + index) & (this.#items.length - 1)];
  }

  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#items.length - 1);
    this.#length--;
    return item;
  }

  clear(): void {
    this.#items = new Array(INITIAL_CAPACITY);
    this.#head = 0;
    this.#length = 0;
  }

  #grow(): void {
    const next: (T | undefined)[] = new Array(this.#items.length * 2);
    for (let i = 0; i < this.#length; i++) next[i] = this.#items[(this.#head + i) & (this.#items.length - 1)];
    this.#items = next;
    this.#head = 0;
  }
}
