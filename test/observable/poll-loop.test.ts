// The poll loop on its own, in virtual time: on demand it polls once per wake-up (however
// many come before the poll) and when the target's own timer falls due, and schedules nothing
// while idle; on a fixed beat it polls every interval and ignores wake-ups; stop() leaves
// nothing scheduled.
import { TestScheduler } from 'rxjs/testing';
import { PollLoop, type PollTarget } from '../../src/observable/poll-loop';

function target(scheduler: TestScheduler, timers: number[] = []): PollTarget & { polls: number[] } {
  const polls: number[] = [];
  return {
    polls,
    runPoll: () => polls.push(scheduler.now()),
    // The next of the given deadlines still ahead of the clock.
    nextTimer: () => timers.find((due) => due > scheduler.now()) ?? Infinity,
  };
}

const run = (body: (scheduler: TestScheduler) => void): void => {
  const scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
  scheduler.run(() => body(scheduler));
};

describe('PollLoop on demand', () => {
  it('polls once at start, then once per burst of wake-ups, and nothing while idle', () => {
    run((scheduler) => {
      const t = target(scheduler);
      const loop = new PollLoop(scheduler, undefined, t);
      loop.start();
      scheduler.schedule(() => {
        loop.wake();
        loop.wake();
        loop.wake();
      }, 10);
      scheduler.flush();
      expect(t.polls).toEqual([0, 10]);
      loop.stop();
    });
  });

  it('polls when the target’s own timer falls due, and re-arms for the next one', () => {
    run((scheduler) => {
      const t = target(scheduler, [50, 120]);
      const loop = new PollLoop(scheduler, undefined, t);
      loop.start();
      scheduler.flush();
      expect(t.polls).toEqual([0, 50, 120]);
      loop.stop();
    });
  });

  it('ignores wake-ups before start() and after stop(), and leaves nothing scheduled', () => {
    run((scheduler) => {
      const t = target(scheduler, [100]);
      const loop = new PollLoop(scheduler, undefined, t);
      loop.wake();
      scheduler.flush();
      expect(t.polls).toEqual([]);
      loop.start();
      loop.stop();
      loop.wake();
      scheduler.flush();
      expect(t.polls).toEqual([]);
      expect(loop.running).toBe(false);
    });
  });
});

describe('PollLoop on demand, starting', () => {
  it('with nothing pending: no poll at start, only the timer armed (a fresh connection)', () => {
    run((scheduler) => {
      const t = { ...target(scheduler, [30]), pollPending: () => false };
      const loop = new PollLoop(scheduler, undefined, t);
      loop.start();
      scheduler.flush();
      expect(t.polls).toEqual([30]);
      loop.stop();
    });
  });

  it('with something pending: polls at once', () => {
    run((scheduler) => {
      const t = { ...target(scheduler), pollPending: () => true };
      const loop = new PollLoop(scheduler, undefined, t);
      loop.start();
      scheduler.flush();
      expect(t.polls).toEqual([0]);
      loop.stop();
    });
  });
});

describe('PollLoop on a fixed beat', () => {
  it('polls every interval from start, whatever wakes it', () => {
    run((scheduler) => {
      const t = target(scheduler);
      const loop = new PollLoop(scheduler, 20, t);
      loop.start();
      scheduler.schedule(() => loop.wake(), 5);
      scheduler.schedule(() => loop.stop(), 65);
      scheduler.flush();
      expect(t.polls).toEqual([0, 20, 40, 60]);
    });
  });
});
