// A subscriber that writes down what it hears and lets a test await it (bounded).
import type { Observable, Subscription } from 'rxjs';
import { within } from '../../helpers/poll.js';

export type Heard = ['next', unknown] | ['error', unknown] | ['complete'];

export class Recorder {
  readonly log: Heard[] = [];
  readonly subscription: Subscription;
  #waiters: (() => void)[] = [];

  constructor(source: Observable<unknown>) {
    this.subscription = source.subscribe({
      next: (value) => this.#push(['next', value]),
      error: (error) => this.#push(['error', error]),
      complete: () => this.#push(['complete']),
    });
  }

  get values(): unknown[] {
    return this.log.filter((entry) => entry[0] === 'next').map((entry) => entry[1]);
  }

  /** Resolves once `count` values arrived in total. */
  nextValues(count: number): Promise<unknown[]> {
    return this.until(() => this.values.length >= count, `${count} values`).then(() => this.values.slice(0, count));
  }

  /** Resolves with the error or completion once the stream ended. */
  ended(): Promise<Heard> {
    return this.until(() => this.#end() !== undefined, 'the end of the stream').then(() => this.#end()!);
  }

  async until(predicate: () => boolean, what: string): Promise<void> {
    while (!predicate()) {
      await within(new Promise<void>((resolve) => this.#waiters.push(resolve)), `${what} (heard so far: ${JSON.stringify(this.log)})`);
    }
  }

  #end(): Heard | undefined {
    return this.log.find((entry) => entry[0] !== 'next');
  }

  #push(entry: Heard): void {
    this.log.push(entry);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
