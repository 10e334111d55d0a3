import { describeValue } from './describe-value.js';

/** Signal name → the listener's argument list. */
export type SignalMap<T> = { [K in keyof T]: unknown[] };

/** One emission waiting for poll(): a signal name and its arguments. */
export type Emission<T extends SignalMap<T>> = { [K in keyof T]: [K, T[K]] }[keyof T];

/**
 * Godot 3's signals as events: `on(name, listener)` / `off(name, listener)`. Emissions are
 * queued and delivered only by the owner's poll(), so listeners run inside poll() as
 * Godot's do, and never while the peer underneath is half-way through its own poll().
 */
export class Signals<T extends SignalMap<T>> {
  readonly #listeners = new Map<keyof T, Set<(...args: T[keyof T]) => void>>();
  readonly #queue: Emission<T>[] = [];
  readonly #names: ReadonlySet<keyof T> | null;

  /** `names`: every signal the owner emits; when given, on()/off() refuse any other. */
  constructor(names?: readonly (keyof T)[]) {
    this.#names = names === undefined ? null : new Set(names);
  }

  /**
   * Calls `listener` each time the signal `name` is emitted (once per registration). An
   * unknown name or a listener that is not a function throws a TypeError and registers
   * nothing (as Node's EventEmitter does for a bad listener): it would fail or never fire.
   */
  on<K extends keyof T>(name: K, listener: (...args: T[K]) => void): this {
    this.#check('on', name, listener);
    let set = this.#listeners.get(name);
    if (set === undefined) this.#listeners.set(name, (set = new Set()));
    set.add(listener as (...args: T[keyof T]) => void);
    return this;
  }

  /** Removes a listener added with on(); the same checks as on(). */
  off<K extends keyof T>(name: K, listener: (...args: T[K]) => void): this {
    this.#check('off', name, listener);
    this.#listeners.get(name)?.delete(listener as (...args: T[keyof T]) => void);
    return this;
  }

  #check(method: string, name: unknown, listener: unknown): void {
    if (this.#names !== null && !this.#names.has(name as keyof T)) {
      const known = [...this.#names].map((n) => String(n)).join(', ');
      throw new TypeError(`${method}: unknown signal ${describeValue(name)} (signals: ${known})`);
    }
    if (typeof listener !== 'function') {
      throw new TypeError(`${method}(${describeValue(name)}): listener must be a function, got ${describeValue(listener)}`);
    }
  }

  protected enqueue(emission: Emission<T>): void {
    this.#queue.push(emission);
  }

  protected clearQueue(): void {
    this.#queue.length = 0;
  }

  /**
   * Delivers queued emissions in order. One is taken off the queue before its listeners
   * run, so a listener that throws loses nothing else: the rest wait for the next poll().
   */
  protected flush(): void {
    for (let emission = this.#queue.shift(); emission !== undefined; emission = this.#queue.shift()) {
      const [name, args] = emission;
      try {
        for (const listener of [...(this.#listeners.get(name) ?? [])]) listener(...args);
      } finally {
        this.delivered(emission);
      }
    }
  }

  /** Runs after an emission's listeners, even when one threw. */
  protected delivered(_emission: Emission<T>): void {}
}
