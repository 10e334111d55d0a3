import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';

/**
 * Something waiting for a time on a scheduler's clock (a poll loop waiting for its
 * peer's next deadline). The fields belong to {@link Deadlines}: the entry is its own heap
 * slot, so waiting allocates nothing per entry.
 */
export interface DeadlineEntry {
  /** The time waited for; null while not waiting. */
  dueAt: number | null;
  /** Position in the heap, -1 while not waiting. */
  heapIndex: number;
  /** Order of arming: entries due at the same time are told in the order they were armed. */
  armedAt: number;
  /** The time came (the entry is no longer waiting). */
  deadlineReached(): void;
}

/**
 * @internal One timer per scheduler for every deadline waited for on it, rather than one scheduled
 * action per waiter. Every connection waits for its handshake deadline (10 s by default) and
 * nearly every one opens long before: with an action each, a connection set-up armed a
 * timer (a Node timeout on the default scheduler) and cancelled it again. Here the waiters
 * are a binary heap ordered by (time, order of arming), and one action is scheduled for the
 * earliest; arming a later deadline or cancelling one that is not the last costs a heap step.
 * With one waiter on the scheduler this schedules exactly what an action per waiter would
 * (so single-peer virtual-time runs see the same actions in the same order); when the earliest
 * waiter leaves while others remain, the action stays and finds nothing due when it runs.
 */
export class Deadlines {
  readonly #scheduler: SchedulerLike;
  readonly #heap: DeadlineEntry[] = [];
  #armings = 0;
  #action: Subscription | null = null;
  /** When the scheduled action runs (Infinity: none scheduled). */
  #actionDue = Infinity;

  constructor(scheduler: SchedulerLike) {
    this.#scheduler = scheduler;
  }

  /** The one instance for `scheduler`. */
  static of(scheduler: SchedulerLike): Deadlines {
    let deadlines = perScheduler.get(scheduler);
    if (deadlines === undefined) {
      deadlines = new Deadlines(scheduler);
      perScheduler.set(scheduler, deadlines);
    }
    return deadlines;
  }

  /** Waits for `due` (scheduler clock), instead of what `entry` waited for before. */
  set(entry: DeadlineEntry, due: number): void {
    this.clear(entry);
    const heap = this.#heap;
    entry.dueAt = due;
    entry.armedAt = this.#armings++;
    entry.heapIndex = heap.length;
    heap.push(entry);
    this.#up(entry.heapIndex);
    if (due < this.#actionDue) this.#schedule(due);
  }

  /** Stops waiting (nothing if `entry` was not waiting). */
  clear(entry: DeadlineEntry): void {
    const index = entry.heapIndex;
    if (index < 0) return;
    const heap = this.#heap;
    const last = heap.pop()!;
    if (last !== entry) {
      heap[index] = last;
      last.heapIndex = index;
      this.#down(index);
      this.#up(last.heapIndex);
    }
    entry.heapIndex = -1;
    entry.dueAt = null;
    if (heap.length === 0) this.#cancel();
  }

  /** Called by the scheduled action: tells every entry due, in order, then waits for the next. */
  fired(): void {
    this.#action = null;
    // A timer may run a little before its time by the scheduler's clock: what it was armed for is due.
    const limit = Math.max(this.#scheduler.now(), this.#actionDue);
    this.#actionDue = Infinity;
    const heap = this.#heap;
    const due: DeadlineEntry[] = [];
    while (heap.length > 0 && heap[0]!.dueAt! <= limit) {
      const entry = heap[0]!;
      this.clear(entry);
      due.push(entry);
    }
    // Every entry due is told even when one throws (its poll threw), and the rest still get
    // their action: one connection's error must not stop another's deadline. The first error
    // is rethrown to the scheduler, as a per-entry action would have; later ones are reported
    // on their own turn, as RxJS reports errors nobody can catch.
    let failed = false;
    let firstError: unknown;
    try {
      for (const entry of due) {
        try {
          entry.deadlineReached();
        } catch (error) {
          if (!failed) [failed, firstError] = [true, error];
          else
            setTimeout(() => {
              throw error;
            });
        }
      }
    } finally {
      // Entries armed again while being told schedule their own action (set()); the rest wait here.
      if (heap.length > 0 && heap[0]!.dueAt! < this.#actionDue) this.#schedule(heap[0]!.dueAt!);
    }
    if (failed) throw firstError;
  }

  #schedule(due: number): void {
    this.#action?.unsubscribe();
    this.#actionDue = due;
    this.#action = this.#scheduler.schedule(fire, Math.max(0, due - this.#scheduler.now()), this);
  }

  #cancel(): void {
    this.#action?.unsubscribe();
    this.#action = null;
    this.#actionDue = Infinity;
  }

  #before(a: DeadlineEntry, b: DeadlineEntry): boolean {
    return a.dueAt! < b.dueAt! || (a.dueAt === b.dueAt && a.armedAt < b.armedAt);
  }

  #up(index: number): void {
    const heap = this.#heap;
    const entry = heap[index]!;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex]!;
      if (!this.#before(entry, parent)) break;
      heap[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    heap[index] = entry;
    entry.heapIndex = index;
  }

  #down(index: number): void {
    const heap = this.#heap;
    const entry = heap[index]!;
    const length = heap.length;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= length) break;
      if (child + 1 < length && this.#before(heap[child + 1]!, heap[child]!)) child++;
      if (!this.#before(heap[child]!, entry)) break;
      heap[index] = heap[child]!;
      heap[index]!.heapIndex = index;
      index = child;
    }
    heap[index] = entry;
    entry.heapIndex = index;
  }
}

const perScheduler = new WeakMap<SchedulerLike, Deadlines>();

function fire(this: SchedulerAction<Deadlines>, deadlines?: Deadlines): void {
  deadlines!.fired();
}
