// Option checking shared by the observable layer and the operators: an options object
// with a key nobody reads is refused (a typo would otherwise be ignored in silence), and
// every value, of any type, can be shown in an error message without throwing.
import { describeValue } from '../peer/describe-value.js';

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
  for (const key of Reflect.ownKeys(options)) {
    if (typeof key === 'string' && known.includes(key)) continue;
    const shown = typeof key === 'symbol' ? describeValue(key) : JSON.stringify(key);
    const nearest = typeof key === 'string' ? nearestName(key, known) : undefined;
    throw new TypeError(
      `${caller}: unknown option ${shown}${nearest !== undefined ? ` (did you mean "${nearest}"?)` : ''}; ` +
        `valid options: ${known.join(', ')}`,
    );
  }
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

/** The known name closest to `key` (edit distance ≤ a third of its length, at least 2), if any. */
function nearestName(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const name of known) {
    const distance = editDistance(lower, name.toLowerCase());
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
