// The shared deadline timer of a scheduler, in virtual time: entries are told in the order of
// their times (then of arming), one scheduled action serves them all, and nothing stays
// scheduled once nobody waits.
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
