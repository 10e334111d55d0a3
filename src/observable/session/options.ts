import { checkOptions, checkTimerMs, describeValue } from '../options.js';
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
const KNOWN_KEYS = ['windowMs', 'maxBufferedBytes'];

/** The session limits `resume` asks for, or null when it is off; throws a TypeError/RangeError naming the option. */
export function resumeLimits(caller: string, resume: unknown): SessionLimits | null {
  if (resume === undefined || resume === false) return null;
  if (resume === true) return { windowMs: DEFAULT_WINDOW_MS, maxBufferedBytes: DEFAULT_MAX_BUFFERED_BYTES, ackDelayMs: ACK_DELAY_MS };
  if (typeof resume !== 'object' || resume === null || Array.isArray(resume)) {
    throw new TypeError(`${caller}: resume must be true, false or { windowMs, maxBufferedBytes }, got ${describeValue(resume)}`);
  }
  checkOptions(`${caller}: resume`, resume, KNOWN_KEYS, 'resume');
  const { windowMs = DEFAULT_WINDOW_MS, maxBufferedBytes = DEFAULT_MAX_BUFFERED_BYTES } = resume as ResumeOptions;
  checkTimerMs(caller, 'resume.windowMs', windowMs, false);
  if (typeof maxBufferedBytes !== 'number' || !Number.isSafeInteger(maxBufferedBytes) || maxBufferedBytes <= 0) {
    throw new RangeError(`${caller}: resume.maxBufferedBytes must be a positive integer (bytes), got ${describeValue(maxBufferedBytes)}`);
  }
  return { windowMs, maxBufferedBytes, ackDelayMs: ACK_DELAY_MS };
}
