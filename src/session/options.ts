import type { SessionLimits } from './session-core.js';

/** `resume: true` or these settings. */
export interface ResumeOptions {
  /** How long a dropped session waits for its client to come back, ms. Default 30000. */
  windowMs?: number;
  /** Most payload bytes kept, per direction, for replay after a drop. Default 1 MiB. */
  maxBufferedBytes?: number;
}

const DEFAULT_WINDOW_MS = 30_000;
const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;
const ACK_DELAY_MS = 20;
/** Node fires longer timers at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const KNOWN_KEYS = ['windowMs', 'maxBufferedBytes'];

/** The session limits `resume` asks for, or null when it is off; throws a TypeError/RangeError naming the option. */
export function resumeLimits(caller: string, resume: unknown): SessionLimits | null {
  if (resume === undefined || resume === false) return null;
  if (resume === true) return { windowMs: DEFAULT_WINDOW_MS, maxBufferedBytes: DEFAULT_MAX_BUFFERED_BYTES, ackDelayMs: ACK_DELAY_MS };
  if (typeof resume !== 'object' || resume === null || Array.isArray(resume)) {
    throw new TypeError(`${caller}: resume must be true, false or { windowMs, maxBufferedBytes }, got ${describe(resume)}`);
  }
  for (const key of Reflect.ownKeys(resume)) {
    if (typeof key !== 'string' || !KNOWN_KEYS.includes(key)) {
      const name = typeof key === 'string' ? key : String(key);
      const near = KNOWN_KEYS.find((known) => known.toLowerCase() === name.toLowerCase()) ?? KNOWN_KEYS.find((k) => k[0] === name[0]);
      throw new TypeError(`${caller}: unknown option resume.${name}${near ? ` (did you mean resume.${near}?)` : ''}`);
    }
  }
  const { windowMs = DEFAULT_WINDOW_MS, maxBufferedBytes = DEFAULT_MAX_BUFFERED_BYTES } = resume as ResumeOptions;
  if (typeof windowMs !== 'number' || !Number.isFinite(windowMs) || windowMs <= 0 || windowMs > MAX_TIMER_MS) {
    throw new RangeError(`${caller}: resume.windowMs must be a number of ms > 0 and ≤ ${MAX_TIMER_MS}, got ${describe(windowMs)}`);
  }
  if (typeof maxBufferedBytes !== 'number' || !Number.isSafeInteger(maxBufferedBytes) || maxBufferedBytes <= 0) {
    throw new RangeError(`${caller}: resume.maxBufferedBytes must be a positive integer, got ${describe(maxBufferedBytes)}`);
  }
  return { windowMs, maxBufferedBytes, ackDelayMs: ACK_DELAY_MS };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol' || typeof value === 'function') return typeof value;
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}
