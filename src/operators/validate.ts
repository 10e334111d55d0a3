// Config checks shared by the operators: a bad option throws a TypeError naming the
// operator and the option when the operator is created, never later inside a stream.
import type { SchedulerLike } from 'rxjs';
import { checkOptions, checkTimerMs, describeValue } from '../observable/options.js';

function fail(caller: string, name: string, expected: string, value: unknown): never {
  throw new TypeError(`${caller}: ${name} must be ${expected}, got ${describeValue(value)}`);
}

/** A config object (or undefined, meaning all defaults) with no key outside `keys`. */
export function checkConfig(caller: string, config: unknown, keys: readonly string[], required = false): void {
  if (config === undefined && !required) return;
  if (typeof config !== 'object' || config === null) fail(caller, 'config', 'an object', config);
  checkOptions(caller, config, keys, 'config');
}

/**
 * A number of milliseconds for a timer: finite, > 0 (or ≥ 0 with `allowZero`), and at
 * most 2^31 − 1 (a RangeError beyond: Node would run such a timer after 1 ms).
 */
export function checkDuration(caller: string, name: string, value: unknown, allowZero = false): void {
  checkTimerMs(caller, name, value, allowZero);
}

export function checkNumber(caller: string, name: string, value: unknown, min: number, max = Infinity): void {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max) {
    fail(caller, name, max === Infinity ? `a number ≥ ${min}` : `a number from ${min} to ${max}`, value);
  }
}

/** An integer ≥ `min`; Infinity allowed with `allowInfinity`. */
export function checkCount(caller: string, name: string, value: unknown, min: number, allowInfinity = false): void {
  const ok = typeof value === 'number' && (Number.isInteger(value) || (allowInfinity && value === Infinity)) && value >= min;
  if (!ok) fail(caller, name, `an integer ≥ ${min}${allowInfinity ? ' (or Infinity)' : ''}`, value);
}

export function checkFunction(caller: string, name: string, value: unknown, required: boolean): void {
  if (value === undefined && !required) return;
  if (typeof value !== 'function') fail(caller, name, 'a function', value);
}

export function checkBoolean(caller: string, name: string, value: unknown): void {
  if (typeof value !== 'boolean') fail(caller, name, 'a boolean', value);
}

export function checkOneOf(caller: string, name: string, value: unknown, allowed: readonly string[]): void {
  if (typeof value !== 'string' || !allowed.includes(value)) fail(caller, name, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
}

export function checkScheduler(caller: string, value: unknown): asserts value is SchedulerLike {
  const scheduler = value as SchedulerLike | null;
  if (typeof scheduler?.schedule !== 'function' || typeof scheduler.now !== 'function') {
    fail(caller, 'scheduler', 'an RxJS SchedulerLike', value);
  }
}
