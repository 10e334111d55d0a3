import { parseHeaderLine } from './validation.js';

// What a server sees of a client's opening handshake, and how it answers: the request
// (platform-neutral, so browser bundles can name the types), the verdict an `authorize`
// hook returns, and the one rule that turns any verdict into "accept" or an HTTP refusal.

/** The client's WebSocket upgrade request, as the server received it. */
export interface UpgradeRequest {
  /** Path and query as requested, e.g. `/chat?token=abc`. */
  url: string;
  /**
   * Header names in lower case; repeated headers joined with ", " (cookies with "; ").
   * Read-only: the handshake reads the same object after `authorize` has run.
   */
  readonly headers: Readonly<Record<string, string>>;
  remoteAddress: string;
  remotePort: number;
  /** Subprotocols the client offered, in its order. */
  protocols: string[];
  /** The `Origin` header (browsers send it; other clients usually don't). */
  origin?: string;
}

/**
 * An `authorize` hook's answer: `true` or `{ accept: true, context }` accepts; `false`
 * refuses with HTTP 401; `{ status, message }` refuses with that status (400-599) and
 * `message` as the body; `headers` adds response headers (e.g. `Retry-After`).
 */
export type Verdict =
  | boolean
  | { status: number; message?: string; headers?: Record<string, string> }
  | { accept: true; context?: unknown };

export type Authorize = (request: UpgradeRequest) => Verdict | Promise<Verdict>;

/** An HTTP refusal of a handshake. */
export interface Refusal {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

const MESSAGES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The default body and reason phrase for `status`. */
export function statusMessage(status: number): string {
  return MESSAGES[status] ?? (status < 500 ? 'Refused' : 'Server Error');
}

export function refusal(status: number, message = statusMessage(status), headers?: Record<string, string>): Refusal {
  return headers === undefined ? { status, message } : { status, message, headers };
}

/**
 * Whether `verdict` accepts; else the refusal it asks for. Anything unrecognised refuses with
 * 500, and so does a verdict whose properties throw when read (a Proxy, a getter): never a throw.
 */
export function judge(verdict: unknown): { accept: true; context: unknown } | Refusal {
  try {
    return judgeUnsafe(verdict);
  } catch {
    return refusal(500, 'authorize returned an invalid verdict');
  }
}

/** Whether `value` is a thenable; false (not a throw) when reading `then` throws. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  try {
    return typeof (value as { then?: unknown } | null)?.then === 'function';
  } catch {
    return false;
  }
}

function judgeUnsafe(verdict: unknown): { accept: true; context: unknown } | Refusal {
  if (verdict === true) return { accept: true, context: undefined };
  if (verdict === false) return refusal(401);
  if (typeof verdict === 'object' && verdict !== null) {
    const v = verdict as { accept?: unknown; context?: unknown; status?: unknown; message?: unknown; headers?: unknown };
    if (v.accept === true) return { accept: true, context: v.context };
    const { status, message, headers } = v;
    if (typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599) {
      const text = typeof message === 'string' ? message : statusMessage(status);
      if (headers !== undefined && !isHeaderRecord(headers)) return refusal(500, 'authorize returned invalid headers');
      return refusal(status, text, headers);
    }
  }
  return refusal(500, 'authorize returned an invalid verdict');
}

/** Headers that can go on the wire as given (a CR or LF would split the response). */
function isHeaderRecord(value: unknown): value is Record<string, string> {
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).every(([name, v]) => typeof v === 'string' && parseHeaderLine(`${name}: ${v}`) !== null);
}
