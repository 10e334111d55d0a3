// The shared deadline timer of a scheduler, in virtual time: entries are told in the order of
// their times (then of arming), one scheduled action serves them all, and nothing stays
// scheduled once nobody waits.
import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { type DeadlineEntry, Deadlines } from '../../src/observable/deadlines';

function entry(name: string, told: string[], scheduler: TestScheduler): DeadlineEntry {
  return {
    dueAt: null,
    heapIndex: -1,
    armedAt: 0,
    deadlineReached: () => told.push(`${name}@${scheduler.now()}`),
  };
}

const run = (body: (scheduler: TestScheduler) => void): void => {
  const scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
  scheduler.run(() => body(scheduler));
};

describe('Deadlines', () => {
  it('tells each entry at its time, in order of time and then of arming, with one action', () => {
    run((scheduler) => {
      const told: string[] = [];
      const deadlines = new Deadlines(scheduler);
      const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => entry(name, told, scheduler));
      deadlines.set(a!, 30);
      deadlines.set(b!, 10);
      deadlines.set(c!, 30);
      deadlines.set(d!, 20);
      expect(scheduler.actions.length).toBe(1); // armed for 30, then moved to 10
      scheduler.flush();
      expect(told).toEqual(['b@10', 'd@20', 'a@30', 'c@30']);
      expect([a, b, c, d].every((e) => e!.heapIndex === -1 && e!.dueAt === null)).toBe(true);
    });
  });

  it('tells every entry due and keeps the later ones armed when one of them throws; the error reaches the scheduler', () => {
    // A scheduler run by hand, as a real one runs each action on its own turn (RxJS's
    // TestScheduler drops every action after one throws, so it cannot show this).
    let clock = 0;
    const queue: { run: () => void; due: number; cancelled: boolean }[] = [];
    const manual: SchedulerLike = {
      now: () => clock,
      schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
        const item = { run: () => work.call({} as SchedulerAction<T>, state), due: clock + delay, cancelled: false };
        queue.push(item);
        return { unsubscribe: () => void (item.cancelled = true) } as Subscription;
      },
    };
    const runNext = (): void => {
      queue.sort((x, y) => x.due - y.due);
      const item = queue.shift()!;
      clock = item.due;
      if (!item.cancelled) item.run();
    };
    const told: string[] = [];
    const deadlines = new Deadlines(manual);
    const at = (name: string): DeadlineEntry => ({ dueAt: null, heapIndex: -1, armedAt: 0, deadlineReached: () => told.push(`${name}@${clock}`) });
    const failing: DeadlineEntry = {
      ...at('x'),
      deadlineReached: () => {
        told.push(`x@${clock}`);
        throw new Error('a poll threw');
      },
    };
    deadlines.set(failing, 10);
    deadlines.set(at('a'), 10);
    deadlines.set(at('b'), 10);
    deadlines.set(at('c'), 40);
    expect(runNext).toThrow('a poll threw');
    expect(told).toEqual(['x@10', 'a@10', 'b@10']);
    expect(queue.filter((item) => !item.cancelled).map((item) => item.due)).toEqual([40]); // c's action survived the throw
    runNext();
    expect(told).toEqual(['x@10', 'a@10', 'b@10', 'c@40']);
  });

  it('moves an entry to its new time, and cancels the action when the last one leaves', () => {
    run((scheduler) => {
      const told: string[] = [];
      const deadlines = Deadlines.of(scheduler);
      expect(Deadlines.of(scheduler)).toBe(deadlines);
      const [a, b] = ['a', 'b'].map((name) => entry(name, told, scheduler));
      deadlines.set(a!, 10);
      deadlines.set(b!, 40);
      deadlines.set(a!, 50); // later than b now
      deadlines.clear(b!);
      scheduler.flush();
      expect(told).toEqual(['a@50']);
      deadlines.set(a!, 70);
      deadlines.clear(a!);
      deadlines.clear(a!); // not waiting: nothing
      scheduler.flush();
      expect(told).toEqual(['a@50']);
      expect(scheduler.actions.filter((action) => !action.closed).length).toBe(0);
    });
  });

  it('lets an entry told of its time wait again, for a time of its own', () => {
    run((scheduler) => {
      const told: string[] = [];
      const deadlines = new Deadlines(scheduler);
      const a = entry('a', told, scheduler);
      a.deadlineReached = () => {
        told.push(`a@${scheduler.now()}`);
        if (scheduler.now() < 30) deadlines.set(a, scheduler.now() + 10);
      };
      deadlines.set(a, 10);
      scheduler.flush();
      expect(told).toEqual(['a@10', 'a@20', 'a@30']);
    });
  });
});
