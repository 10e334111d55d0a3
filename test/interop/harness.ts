// Interop harness: runs a third-party peer (Godot 3 headless, Python websockets) as a child
// process, collects the "EVENT {json}" lines its script prints, and when a test fails shows
// what each side saw, side by side, then the whole timeline. Every wait is bounded, every
// process is killed after its test (or its file), and a missing package fails loudly.
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const HOST = '127.0.0.1';
export const GODOT_DIR = join(__dirname, 'godot');
export const PYTHON_DIR = join(__dirname, 'python');
/** How long one awaited event may take before the test fails saying what it waited for. */
export const WAIT_MS = 8_000;

const GODOT = 'godot3-server';
/** Debian's interpreter: it sees Debian's python3-websockets (a pyenv python3 on PATH may not). */
const PYTHON = '/usr/bin/python3';

// ---- the third-party peers and their versions ----

export interface Tool {
  /** What to report: "Godot 3.2.3.stable.custom_build", "Python websockets 10.4". */
  version: string;
}

let godot: Tool | undefined;
let python: Tool | undefined;

/** godot3-server, or an Error that says how to install it (never a silent skip). */
export function requireGodot(): Tool {
  if (godot !== undefined) return godot;
  const result = spawnSync(GODOT, ['--version'], { encoding: 'utf8', timeout: 15_000 });
  const version = result.stdout?.trim() ?? '';
  if (result.error !== undefined || !/^3\.\d/.test(version)) {
    throw new Error(
      `${GODOT} is not usable (${result.error?.message ?? `--version printed ${JSON.stringify(version)}`}).\n` +
        'The interop tests need Debian\'s Godot 3 headless build: apt-get install -y --no-install-recommends godot3-server ' +
        '(.ci/run installs it when missing).',
    );
  }
  return (godot = { version: `Godot ${version}` });
}

/** /usr/bin/python3 with Debian's python3-websockets, or an Error that says how to install it. */
export function requirePython(): Tool {
  if (python !== undefined) return python;
  const result = spawnSync(PYTHON, ['-c', 'import websockets; print(websockets.__version__)'], { encoding: 'utf8', timeout: 15_000 });
  const version = result.stdout?.trim() ?? '';
  if (result.error !== undefined || result.status !== 0 || !/^\d+\.\d+/.test(version)) {
    throw new Error(
      `${PYTHON} cannot import websockets (${result.error?.message ?? result.stderr?.trim()}).\n` +
        'The interop tests need Debian\'s python3-websockets: apt-get install -y --no-install-recommends python3-websockets ' +
        '(.ci/run installs it when missing).',
    );
  }
  return (python = { version: `Python websockets ${version}` });
}

// ---- payloads, described the same way on both sides ----

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The test pattern the scripts generate for "!send": text "a".."z" repeated; binary (i * 31 + 7) % 256. */
export function pattern(size: number, isString: boolean): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = isString ? 97 + (i % 26) : (i * 31 + 7) % 256;
  return data;
}

export const utf8 = (text: string): Uint8Array => encoder.encode(text);

/**
 * One line for a message: `text "héllo"`, `binary "Test packet"` (printable ASCII),
 * `binary 3 B 07 26 45`, or for large ones `binary 70000 B sha256:1a2b…` (the first 16 hex digits).
 */
export function payload(data: Uint8Array, isString: boolean): string {
  const kind = isString ? 'text' : 'binary';
  if (isString && data.length <= 64) return `text ${JSON.stringify(decoder.decode(data))}`;
  if (!isString && data.length > 0 && data.length <= 16) {
    if (data.every((b) => b >= 0x20 && b < 0x7f)) return `binary ${JSON.stringify(decoder.decode(data))}`;
    return `binary ${data.length} B ${Buffer.from(data).toString('hex').replace(/(..)(?!$)/g, '$1 ')}`;
  }
  if (data.length === 0) return `${kind} 0 B`;
  return `${kind} ${data.length} B sha256:${createHash('sha256').update(data).digest('hex').slice(0, 16)}`;
}

/** The same line from a script's "data" event ({string, size, sha256, base64 when ≤ 256 bytes}). */
function payloadOf(event: ForeignEvent): string {
  const isString = event.string === true;
  if (typeof event.base64 === 'string') return payload(new Uint8Array(Buffer.from(event.base64, 'base64')), isString);
  return `${isString ? 'text' : 'binary'} ${String(event.size)} B sha256:${String(event.sha256).slice(0, 16)}`;
}

const quote = (text: unknown): string => JSON.stringify(text ?? '');

/**
 * What a script's event means, in the vocabulary of the rxpeer side's lines; null for events
 * that are the script's own actions or bookkeeping (start, listening, sent, closing, ...).
 */
export function summarize(event: ForeignEvent): string | null {
  const extensions = Array.isArray(event.extensions) ? ` ext=[${event.extensions.join(',')}]` : '';
  const frame = (f: unknown): string => {
    if (f === null || f === undefined) return 'none';
    const { code, reason } = f as { code: number; reason: string };
    return `${code} ${quote(reason)}`;
  };
  switch (event.event) {
    case 'open': // a client's handshake completed
      return `open ${quote(event.protocol)}${extensions}`;
    case 'connected': // a server's client completed its handshake
      return `open ${quote(event.protocol)}${extensions}`;
    case 'data':
      return payloadOf(event);
    case 'close_request': // Godot's server_close_request / client_close_request
      return `close-request ${String(event.code)} ${quote(event.reason)}`;
    case 'closed':
    case 'disconnected':
      if ('clean' in event) return `closed clean=${String(event.clean)}`; // Godot: was_clean is all it tells
      return `closed rcvd=${frame(event.rcvd)} sent=${frame(event.sent)}`; // Python: the frames both ways
    case 'error':
      return event.kind === undefined ? 'connection-error' : `error ${String(event.kind)}${event.status === undefined ? '' : ` ${String(event.status)}`}`;
    case 'timeout':
      return `TIMEOUT (the script's watchdog after ${String(event.seconds)} s)`;
    case 'connect_failed':
    case 'listen_failed':
      return `${event.event} ${String(event.error)}`;
    default:
      return null;
  }
}

// ---- waiting ----

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Checks `done()` every few ms; rejects after `ms` naming `what`. */
export async function until(done: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(3);
  }
}

/** A port nobody listens on now, below Linux's ephemeral range so no TIME-WAIT socket holds it. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen({ port, host: HOST, exclusive: true }, () => probe.close(() => resolve(true)));
    });
    if (free) return port;
    if (attempt > 50) throw new Error('no free port found');
  }
}

// ---- the timeline of one test ----

interface Line {
  at: number;
  who: string;
  text: string;
}

/** Something whose view of the exchange is shown when a test fails. */
export interface Side {
  readonly label: string;
  saw(): string[];
}

/** One interop test: the timeline of every line from both sides, and what runs until its end. */
export class Session {
  readonly #start = Date.now();
  readonly #lines: Line[] = [];
  readonly #sides: Side[] = [];
  readonly #cleanups: (() => unknown)[] = [];

  constructor(readonly name: string) {}

  log(who: string, text: string): void {
    this.#lines.push({ at: Date.now() - this.#start, who, text });
  }

  /** Shows `side`'s view when the test fails. */
  show<T extends Side>(side: T): T {
    if (!this.#sides.includes(side)) this.#sides.push(side);
    return side;
  }

  /** Runs `fn` when the test ends (last registered first). */
  defer(fn: () => unknown): void {
    this.#cleanups.push(fn);
  }

  /** A Godot 3 script from test/interop/godot, for this test only. */
  godot(script: 'client' | 'server', args: string[], options: { project?: string; label?: string; timeoutMs?: number } = {}): Foreign {
    requireGodot();
    const label = options.label ?? `Godot ${script}`;
    const projectArgs = options.project === undefined ? [] : ['--path', join(GODOT_DIR, options.project)];
    const foreign = startGodot(label, script, args, projectArgs, options.timeoutMs ?? 15_000);
    this.#own(foreign);
    return foreign;
  }

  /** A Python websockets script from test/interop/python, for this test only. */
  python(script: 'client' | 'server', args: string[], options: { label?: string; timeoutMs?: number } = {}): Foreign {
    requirePython();
    const foreign = startPython(options.label ?? `Python ${script}`, script, args, options.timeoutMs ?? 15_000);
    this.#own(foreign);
    return foreign;
  }

  /**
   * Follows a process shared by several tests (a server started in beforeAll) during this
   * test: its lines go to the timeline, and (with `show`) what it saw to the failure report.
   */
  follow(foreign: Foreign, { show = true }: { show?: boolean } = {}): void {
    foreign.attach(this);
    if (show) this.show(foreign);
    this.defer(() => foreign.detach(this));
  }

  async dispose(): Promise<void> {
    while (this.#cleanups.length > 0) {
      try {
        await this.#cleanups.pop()!();
      } catch (error) {
        this.log('harness', `cleanup failed: ${String(error)}`);
      }
    }
  }

  /** The failure, followed by what each side saw and the merged timeline. */
  explain(failure: unknown): Error {
    const original = failure instanceof Error ? failure : new Error(String(failure));
    const sections = this.#sides.map((side) => `--- what ${side.label} saw ---\n${indent(side.saw())}`);
    const width = Math.max(0, ...this.#lines.map(({ who }) => who.length));
    const timeline = this.#lines.map(({ at, who, text }) => `${String(at).padStart(6)} ms  ${who.padEnd(width)}  ${text}`);
    const peers = [godot, python].filter((tool) => tool !== undefined).map((tool) => tool.version);
    const report = `${sections.join('\n')}\n--- timeline (${this.name}; ${peers.join(', ')}) ---\n${indent(timeline)}`;
    const error = new Error(`${original.message}\n\n${report}`);
    error.stack = `${error.message}\n${(original.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line)).join('\n')}`;
    return error;
  }

  #own(foreign: Foreign): void {
    this.follow(foreign);
    this.defer(() => foreign.stop());
  }
}

const indent = (lines: string[]): string => (lines.length === 0 ? '  (nothing)' : lines.map((line) => `  ${line}`).join('\n'));

/**
 * An interop test: `body` gets a Session; the test is bounded by `timeoutMs`; whatever the
 * session started is stopped afterwards; a failure carries both sides' transcripts.
 */
export function interop(name: string, body: (t: Session) => Promise<void>, timeoutMs = 20_000): void {
  it(
    name,
    async () => {
      const t = new Session(name);
      let failure: unknown = null;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          body(t),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`the test did not finish within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
      } catch (error) {
        failure = error;
      } finally {
        clearTimeout(timer);
      }
      await t.dispose(); // processes stopped first, so their last lines are in the report
      if (failure !== null) throw t.explain(failure);
    },
    timeoutMs + 15_000,
  );
}

// ---- foreign processes ----

export interface ForeignEvent {
  event: string;
  [field: string]: unknown;
}

type Match = string | ((event: ForeignEvent) => boolean);

/** Lines on stderr that mean the script itself is broken: fail at once instead of timing out. */
const FATAL = /SCRIPT ERROR|Parse Error|Traceback \(most recent call last\)/;

/** A third-party peer running one of our scripts; its EVENT lines, parsed, in order. */
export class Foreign implements Side {
  readonly events: ForeignEvent[] = [];
  readonly output: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #commandLine: string;
  #sessions: Session[] = [];
  /** Index of the first event the current session saw (what saw() shows). */
  #mark = 0;
  #fatal: string | null = null;
  #exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  readonly #changed = new Set<() => void>();
  readonly #killTimer: NodeJS.Timeout;
  readonly #graceMs: number;

  constructor(
    readonly label: string,
    command: string,
    args: string[],
    options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number; graceMs?: number },
  ) {
    this.#graceMs = options.graceMs ?? 0;
    this.#commandLine = [command, ...args].join(' ');
    this.#child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env } });
    this.#child.stdin.on('error', () => {}); // EPIPE once the process is gone
    this.#child.on('error', (error) => this.#line('!', `spawn failed: ${error.message}`));
    createInterface({ input: this.#child.stdout }).on('line', (line) => this.#line('', line));
    createInterface({ input: this.#child.stderr }).on('line', (line) => this.#line('!', line));
    this.exited = new Promise((resolve) => {
      this.#child.once('close', (code, signal) => {
        this.#exit = { code, signal };
        this.#log(`(exited: code ${code}, signal ${signal})`);
        this.#notify();
        resolve(this.#exit);
      });
    });
    // The scripts have their own watchdogs; this one covers a script that hangs before its loop.
    this.#killTimer = setTimeout(() => this.#child.kill('SIGKILL'), options.timeoutMs);
    this.#log(`$ ${this.#commandLine}`);
  }

  /** What this process saw since the current test started following it. */
  saw(): string[] {
    return this.events
      .slice(this.#mark)
      .map(summarize)
      .filter((line): line is string => line !== null);
  }

  /** Events since the current test started following it that match. */
  since(match: Match = () => true): ForeignEvent[] {
    return this.events.slice(this.#mark).filter(toPredicate(match));
  }

  /** The first event (since the current test started following) that matches; waits for it. */
  async waitFor(match: Match, what = typeof match === 'string' ? `a "${match}" event` : 'an event', ms = WAIT_MS): Promise<ForeignEvent> {
    const predicate = toPredicate(match);
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.events.slice(this.#mark).find(predicate);
      if (found !== undefined) return found;
      if (this.#fatal !== null) throw new Error(`${this.label}: its script failed (${this.#fatal}) while we waited for ${what}`);
      if (this.#exit !== null) throw new Error(`${this.label} exited (code ${this.#exit.code}) before ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${ms} ms waiting for ${this.label} to report ${what}`);
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.#changed.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.#changed.add(wake);
      });
    }
  }

  get running(): boolean {
    return this.#exit === null;
  }

  attach(session: Session): void {
    this.#sessions.push(session);
    this.#mark = this.events.length;
  }

  detach(session: Session): void {
    this.#sessions = this.#sessions.filter((s) => s !== session);
  }

  /** Closes its stdin (the Python scripts exit on that), then SIGTERM, then SIGKILL; waits for the exit. */
  async stop(): Promise<void> {
    this.#child.stdin.end();
    if (this.#exit === null) {
      const grace = setTimeout(() => this.#child.kill('SIGTERM'), this.#graceMs);
      const kill = setTimeout(() => this.#child.kill('SIGKILL'), 2_000);
      await this.exited;
      clearTimeout(grace);
      clearTimeout(kill);
    }
    clearTimeout(this.#killTimer);
  }

  #line(prefix: string, line: string): void {
    this.output.push(prefix === '' ? line : `${prefix} ${line}`);
    if (prefix === '' && line.startsWith('EVENT ')) {
      try {
        this.events.push(JSON.parse(line.slice('EVENT '.length)) as ForeignEvent);
      } catch {
        this.#fatal ??= `an unreadable EVENT line: ${line}`;
      }
    } else if (prefix === '!' && FATAL.test(line)) {
      this.#fatal ??= line;
    }
    this.#log(prefix === '' ? line : `${prefix} ${line}`);
    this.#notify();
  }

  #log(text: string): void {
    for (const session of this.#sessions) session.log(this.label, text);
  }

  #notify(): void {
    for (const wake of [...this.#changed]) wake();
  }
}

function toPredicate(match: Match): (event: ForeignEvent) => boolean {
  return typeof match === 'string' ? (event) => event.event === match : match;
}

/**
 * Where Godot runs: without a project it writes logs/ into its working directory, and user
 * data under XDG_DATA_HOME; both go to a scratch folder, out of the source tree and the home.
 * No project.godot is found from there (Godot 3 looks for one upwards from the working directory).
 */
function godotScratch(): string {
  const scratch = join(tmpdir(), 'rxpeer-interop-godot');
  mkdirSync(scratch, { recursive: true });
  return scratch;
}

function startGodot(label: string, script: 'client' | 'server', args: string[], projectArgs: string[], timeoutMs: number): Foreign {
  const scratch = godotScratch();
  return new Foreign(label, GODOT, ['--no-window', ...projectArgs, '-s', join(GODOT_DIR, `${script}.gd`), '--', ...args], {
    cwd: scratch,
    env: { LANG: 'en_US.UTF-8', XDG_DATA_HOME: scratch, XDG_CONFIG_HOME: scratch, XDG_CACHE_HOME: scratch },
    timeoutMs,
  });
}

function startPython(label: string, script: 'client' | 'server', args: string[], timeoutMs: number): Foreign {
  return new Foreign(label, PYTHON, ['-u', join(PYTHON_DIR, `${script}.py`), ...args], {
    cwd: PYTHON_DIR,
    env: { PYTHONDONTWRITEBYTECODE: '1' },
    timeoutMs,
    graceMs: 1_000, // they exit by themselves when their stdin closes
  });
}

// ---- servers shared by the tests of one file ----

/**
 * A Godot 3 server (server.gd) for a whole test file, on a free port chosen here (Godot 3's
 * WebSocketServer cannot tell the port of listen(0)); another port is tried if it is taken.
 */
export async function startGodotServer(
  label: string,
  args: string[],
  options: { project?: string; timeoutSeconds?: number } = {},
): Promise<{ server: Foreign; port: number }> {
  requireGodot();
  const seconds = options.timeoutSeconds ?? 180;
  const projectArgs = options.project === undefined ? [] : ['--path', join(GODOT_DIR, options.project)];
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const server = startGodot(label, 'server', [`--port=${port}`, `--timeout=${seconds}`, ...args], projectArgs, (seconds + 10) * 1000);
    const outcome = await server.waitFor((e) => e.event === 'listening' || e.event === 'listen_failed', 'listening');
    if (outcome.event === 'listening') return { server, port };
    await server.stop();
    if (attempt >= 5) throw new Error(`${label} could not listen (last try: port ${port}):\n${server.output.join('\n')}`);
  }
}

/** A Python server (server.py) for a whole test file; it binds port 0 and tells its port. */
export async function startPythonServer(label: string, args: string[], timeoutSeconds = 180): Promise<{ server: Foreign; port: number }> {
  requirePython();
  const server = startPython(label, 'server', ['--port', '0', '--timeout', String(timeoutSeconds), ...args], (timeoutSeconds + 10) * 1000);
  const listening = await server.waitFor('listening').catch(async (error: Error) => {
    await server.stop();
    throw new Error(`${error.message}\n${server.output.join('\n')}`);
  });
  return { server, port: listening.port as number };
}

/** Waits for the `index`-th client connection `server` reports after the test started following it. */
export async function nextConnection(server: Foreign, index = 0): Promise<ForeignEvent> {
  return server.waitFor((event) => event.event === 'connected' && server.since('connected').indexOf(event) === index, `client connection #${index + 1}`);
}

/** A view of one client connection on a shared server: only the events with that client's id. */
export function connectionView(server: Foreign, id: unknown): Side {
  return {
    label: `${server.label} (client ${String(id)})`,
    saw: () =>
      server
        .since((event) => event.id === id)
        .map(summarize)
        .filter((line): line is string => line !== null),
  };
}
