import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';

export interface PollTarget {
  /** One poll of the underlying peer(s) and the emissions that follow it. */
  runPoll(): void;
  /** When a poll is next due for the target's own timers (scheduler clock), Infinity if never. */
  nextTimer(): number;
  /**
   * Whether a poll would show something now. When a target says no, an on-demand loop
   * starts by arming its timer instead of polling at once: a connection just opened
   * (client or accepted) has nothing to show before the network answers.
   */
  pollPending?(): boolean;
}

/**
 * Drives `poll()` on a scheduler. On demand (no interval): a poll is scheduled when the
 * transport wakes the loop or a timer of the peer's falls due, so an idle peer schedules
 * nothing. Fixed beat: every `interval` ms (0 = every zero-delay action, e.g. one per
 * animation frame); wake-ups are ignored and send()/close() never poll off the beat.
 */
export class PollLoop {
  readonly #scheduler: SchedulerLike;
  readonly #interval: number | undefined;
  readonly #target: PollTarget;
  #running = false;
  #immediate: Subscription | null = null;
  #timer: Subscription | null = null;
  #timerDue = Infinity;

  constructor(scheduler: SchedulerLike, interval: number | undefined, target: PollTarget) {
    this.#scheduler = scheduler;
    this.#interval = interval;
    this.#target = target;
  }

  get running(): boolean {
    return this.#running;
  }

  get scheduler(): SchedulerLike {
    return this.#scheduler;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    if (this.#interval !== undefined) this.#immediate = this.#scheduler.schedule(beat, 0, this);
    else if (this.#target.pollPending?.() === false) this.#armTimer();
    else this.wake();
  }

  stop(): void {
    this.#running = false;
    this.#immediate?.unsubscribe();
    this.#immediate = null;
    this.#clearTimer();
  }

  /** Something new to see: poll at the next scheduler hop (on demand only). */
  wake(): void {
    if (!this.#running || this.#interval !== undefined || this.#immediate !== null) return;
    this.#immediate = this.#scheduler.schedule(onDemand, 0, this);
  }

  /** Runs one poll; in on-demand mode then arms the timer for the peer's next own deadline. */
  poll(): void {
    this.#target.runPoll();
    if (!this.#running || this.#interval !== undefined) return;
    this.#armTimer();
  }

  /** A poll when the target's next own deadline falls due (on demand). */
  #armTimer(): void {
    const due = this.#target.nextTimer();
    if (due === this.#timerDue) return;
    this.#clearTimer();
    if (due === Infinity) return;
    this.#timerDue = due;
    this.#timer = this.#scheduler.schedule(onTimer, Math.max(0, due - this.#scheduler.now()), this);
  }

  /** Called by the scheduled actions. */
  immediateFired(): void {
    this.#immediate = null;
  }

  timerFired(): void {
    this.#timer = null;
    this.#timerDue = Infinity;
  }

  get interval(): number | undefined {
    return this.#interval;
  }

  #clearTimer(): void {
    this.#timer?.unsubscribe();
    this.#timer = null;
    this.#timerDue = Infinity;
  }
}

function onDemand(this: SchedulerAction<PollLoop>, loop?: PollLoop): void {
  loop!.immediateFired();
  loop!.poll();
}

function onTimer(this: SchedulerAction<PollLoop>, loop?: PollLoop): void {
  loop!.timerFired();
  loop!.poll();
}

function beat(this: SchedulerAction<PollLoop>, loop?: PollLoop): void {
  loop!.poll();
  // Rescheduling the same action with the same delay lets async actions keep their interval.
  if (loop!.running) this.schedule(loop, loop!.interval);
}
