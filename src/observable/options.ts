// Option checking shared by the observable layer and the operators: an options object
// with a key nobody reads is refused (a typo would otherwise be ignored in silence), and
// every value, of any type, can be shown in an error message without throwing.
import { describeValue } from '../peer/describe-value.js';
import { refuseUnknownKeys } from '../peer/validation.js';

/** Node runs a timer longer than this (2^31 − 1 ms, about 24.8 days) after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A value as an error message shows it. Never throws: null-prototype objects, BigInts,
 * Symbols and objects whose toString throws all get a description. One describer for
 * every layer: it lives with the peer, the lowest layer.
 */
export { describeValue };

/**
 * Refuses anything but a plain options object (or undefined), and any key not in `known`,
 * with a TypeError naming the key and the nearest valid one.
 */
export function checkOptions(caller: string, options: unknown, known: readonly string[], what = 'options'): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${caller}: ${what} must be an object, got ${describeValue(options)}`);
  }
  refuseUnknownKeys(caller, options, known);
}

/** A duration in ms for a timer: finite, ≥ 0 (> 0 unless `allowZero`), at most MAX_TIMER_MS. */
export function checkTimerMs(caller: string, name: string, value: unknown, allowZero = true): asserts value is number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${caller}: ${name} must be a number of milliseconds, got ${describeValue(value)}`);
  }
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(`${caller}: ${name} must be a finite number of milliseconds ${allowZero ? '≥ 0' : '> 0'}, got ${value}`);
  }
  if (value > MAX_TIMER_MS) {
    throw new RangeError(`${caller}: ${name} must be at most ${MAX_TIMER_MS} ms (about 24.8 days, the longest timer Node and browsers run), got ${value}`);
  }
}
