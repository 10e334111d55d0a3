// What a bus channel heard, and waiting (bounded, on events) until it heard enough.
import type { BusChannelListener, BusLoss, BusStatus } from '../../src/observable/bus.js';

const decoder = new TextDecoder();

export class Recorder {
  readonly messages: string[] = [];
  /** "node/key" → value */
  readonly entries = new Map<string, string>();
  readonly statuses: BusStatus[] = [];
  readonly losses: BusLoss[] = [];
  readonly #waiters = new Set<() => void>();

  listener(): BusChannelListener {
    return {
      message: (message, node) => this.#changed(() => this.messages.push(`${node}: ${decoder.decode(message)}`)),
      entrySet: (key, value, node) => this.#changed(() => this.entries.set(`${node}/${key}`, value)),
      entryDeleted: (key, node) => this.#changed(() => this.entries.delete(`${node}/${key}`)),
      status: (status) => this.#changed(() => this.statuses.push(status)),
      loss: (loss) => this.#changed(() => this.losses.push(loss)),
    };
  }

  /** Resolves once `predicate` holds (checked now and at every change); rejects after `ms`. */
  until(predicate: (recorder: this) => boolean, ms = 10_000): Promise<void> {
    if (predicate(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate(this)) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`not within ${ms} ms; heard ${JSON.stringify({ messages: this.messages.slice(-5), entries: [...this.entries], statuses: this.statuses, losses: this.losses })}`));
      }, ms);
      this.#waiters.add(check);
    });
  }

  #changed(change: () => unknown): void {
    change();
    for (const waiter of [...this.#waiters]) waiter();
  }
}
