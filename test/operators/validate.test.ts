// The config checks every operator runs when it is made: each bad value throws a TypeError
// (a RangeError for a timer out of range) naming the operator and the option.
import { asapScheduler } from 'rxjs';
import {
  checkBoolean,
  checkConfig,
  checkCount,
  checkDuration,
  checkFunction,
  checkNumber,
  checkOneOf,
  checkScheduler,
} from '../../src/operators/validate';

describe('operator config checks', () => {
  it('checkConfig: undefined means defaults unless required; anything but an object, or an unknown key, is refused', () => {
    expect(() => checkConfig('op', undefined, ['a'])).not.toThrow();
    expect(() => checkConfig('op', undefined, ['a'], true)).toThrow(new TypeError('op: config must be an object, got undefined'));
    expect(() => checkConfig('op', null, ['a'])).toThrow('op: config must be an object, got null');
    expect(() => checkConfig('op', 5, ['a'])).toThrow('op: config must be an object, got 5');
    expect(() => checkConfig('op', [], ['a'])).toThrow('op: config must be an object, got an array of 0');
    expect(() => checkConfig('op', { b: 1 }, ['a'])).toThrow(/^op: unknown option "b"/);
    expect(() => checkConfig('op', { a: 1 }, ['a'])).not.toThrow();
  });

  it('checkDuration: > 0 by default, ≥ 0 with allowZero, never past the longest timer', () => {
    expect(() => checkDuration('op', 'delay', 1)).not.toThrow();
    expect(() => checkDuration('op', 'delay', 0)).toThrow(new RangeError('op: delay must be a finite number of milliseconds > 0, got 0'));
    expect(() => checkDuration('op', 'delay', 0, true)).not.toThrow();
    expect(() => checkDuration('op', 'delay', 2 ** 31)).toThrow(RangeError);
    expect(() => checkDuration('op', 'delay', '1')).toThrow(TypeError);
  });

  it('checkNumber: a number in range; NaN, strings and out-of-range values are refused', () => {
    expect(() => checkNumber('op', 'jitter', 0.5, 0, 1)).not.toThrow();
    expect(() => checkNumber('op', 'jitter', 1, 0, 1)).not.toThrow();
    expect(() => checkNumber('op', 'jitter', 1.01, 0, 1)).toThrow(new TypeError('op: jitter must be a number from 0 to 1, got 1.01'));
    expect(() => checkNumber('op', 'factor', NaN, 1)).toThrow('op: factor must be a number ≥ 1, got NaN');
    expect(() => checkNumber('op', 'factor', '2', 1)).toThrow('op: factor must be a number ≥ 1, got "2"');
    expect(() => checkNumber('op', 'factor', Infinity, 1)).not.toThrow();
  });

  it('checkCount: integers ≥ min; Infinity only when allowed', () => {
    expect(() => checkCount('op', 'count', 3, 0)).not.toThrow();
    expect(() => checkCount('op', 'count', -1, 0)).toThrow(new TypeError('op: count must be an integer ≥ 0, got -1'));
    expect(() => checkCount('op', 'count', 1.5, 0)).toThrow('op: count must be an integer ≥ 0, got 1.5');
    expect(() => checkCount('op', 'count', Infinity, 0)).toThrow('got Infinity');
    expect(() => checkCount('op', 'count', Infinity, 0, true)).not.toThrow();
    expect(() => checkCount('op', 'count', 0, 1, true)).toThrow('op: count must be an integer ≥ 1 (or Infinity), got 0');
  });

  it('checkFunction, checkBoolean, checkOneOf', () => {
    expect(() => checkFunction('op', 'fn', undefined, false)).not.toThrow();
    expect(() => checkFunction('op', 'fn', undefined, true)).toThrow(new TypeError('op: fn must be a function, got undefined'));
    expect(() => checkFunction('op', 'fn', {}, false)).toThrow('op: fn must be a function, got an object');
    expect(() => checkBoolean('op', 'flag', 'true')).toThrow(new TypeError('op: flag must be a boolean, got "true"'));
    expect(() => checkBoolean('op', 'flag', false)).not.toThrow();
    expect(() => checkOneOf('op', 'mode', 'drop', ['drop', 'keep'])).not.toThrow();
    expect(() => checkOneOf('op', 'mode', 'Drop', ['drop', 'keep'])).toThrow(new TypeError("op: mode must be one of 'drop', 'keep', got \"Drop\""));
  });

  it('checkScheduler: anything with schedule() and now(); not a Date, not null', () => {
    expect(() => checkScheduler('op', asapScheduler)).not.toThrow();
    expect(() => checkScheduler('op', { schedule() {}, now: () => 0 })).not.toThrow();
    expect(() => checkScheduler('op', null)).toThrow(new TypeError('op: scheduler must be an RxJS SchedulerLike, got null'));
    expect(() => checkScheduler('op', new Date())).toThrow('op: scheduler must be an RxJS SchedulerLike, got a Date');
  });
});
