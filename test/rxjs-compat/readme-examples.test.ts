// The README's rxjs-compat examples, run as written (taken from the README itself, with the
// server's address put in) against a real ws server, which also drops them, closes on them,
// and is talked to before they are connected.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import type { Connection } from 'rxpeer';
import type { WebSocketSubject } from 'rxpeer/rxjs-compat';
import { within } from '../helpers/poll.js';
import { startServer, type TestServer } from '../helpers/ws-server.js';

const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
const EXAMPLE_URL = 'ws://127.0.0.1:8080';

/** The ```ts block after `<!-- rxjs-compat example: NAME -->`. */
function example(name: string): string {
  const match = new RegExp(`<!-- rxjs-compat example: ${name} -->\\n\`\`\`ts\\n([\\s\\S]*?)\`\`\``).exec(README);
  if (match === null) throw new Error(`README has no rxjs-compat example "${name}"`);
  expect(match[1]).toContain(EXAMPLE_URL);
  return match[1]!;
}

/** What the example printed, and a way to await a line. */
class Output {
  readonly lines: string[] = [];
  #waiters: (() => void)[] = [];
  readonly console = {
    log: (...args: unknown[]) => this.#push(args),
    error: (...args: unknown[]) => this.#push(args),
    warn: (...args: unknown[]) => this.#push(args),
  };

  async line(text: string): Promise<void> {
    while (!this.lines.includes(text)) {
      await within(new Promise<void>((resolve) => this.#waiters.push(resolve)), `"${text}" (printed so far: ${JSON.stringify(this.lines)})`);
    }
  }

  #push(args: unknown[]): void {
    this.lines.push(args.map(String).join(' '));
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

/** Runs the example against `url` and hands back the top-level constants named in `keep`. */
function run<T>(name: string, url: string, output: Output, keep: string[]): T {
  const source = example(name).replaceAll(EXAMPLE_URL, url);
  const { code } = transformSync(source, { loader: 'ts', format: 'cjs', target: 'es2022' });
  const body = `${code}\nreturn { ${keep.join(', ')} };`;
  return new Function('require', 'console', body)(require, output.console) as T;
}

let server: TestServer;
/** /chat echoes, answers {"t":"ping"} with {"t":"pong"}, and says {"say":"bye"} before closing when asked. */
beforeEach(async () => {
  server = await startServer({
    onConnection: ({ ws }) =>
      ws.on('message', (data: Buffer) => {
        const text = data.toString();
        ws.send(text === '{"t":"ping"}' ? '{"t":"pong"}' : text);
      }),
  });
});
afterEach(() => server.close());

const base = (): string => `ws://127.0.0.1:${server.port}`;

describe('migrate', () => {
  it('receives, and completes on a clean close', async () => {
    const output = new Output();
    run<{ chat$: WebSocketSubject<unknown> }>('migrate', base(), output, ['chat$']);
    await output.line('received hello');
    (await server.connection()).ws.close(1000);
    await output.line('closed');
  });

  it('errors with the CloseEvent when the server drops it', async () => {
    const output = new Output();
    run('migrate', base(), output, ['chat$']);
    await output.line('received hello');
    (await server.connection()).ws.terminate();
    await output.line('dropped 1006');
  });
});

it('state: the state as a stream, the message sent before OPEN, the close', async () => {
  const output = new Output();
  run<{ chat: Connection }>('state', base(), output, ['chat']);
  await output.line('received hello');
  expect(output.lines).toEqual(['state CONNECTING', 'state OPEN', 'received hello']);
  (await server.connection()).ws.close(1000);
  await output.line('state CLOSED');
});

it('extras: reconnects after a drop, sends what waited offline, stops on close()', async () => {
  const output = new Output();
  const { chat } = run<{ chat: Connection }>('extras', base(), output, ['chat']);
  await output.line('received hello');
  const first = await server.connection(0);
  first.ws.terminate();
  await output.line('state CLOSED');
  expect(chat.send(JSON.stringify({ say: 'while away' }))).toBe('queued');
  const second = await server.connection(1);
  expect((await second.received(1)).map((m) => m.data.toString())).toEqual(['{"say":"while away"}']);
  await output.line('received while away');
  expect(output.lines).toEqual([
    'state CONNECTING',
    'state OPEN',
    'received hello',
    'state CLOSED',
    'state CONNECTING',
    'state OPEN',
    'received while away',
  ]);
  chat.close();
  expect(await second.waitClosed()).toEqual({ code: 1000, reason: '' });
});

/** The @example blocks of a source file, without their comment margins. */
function jsdocExamples(file: string): string[] {
  const text = readFileSync(join(__dirname, '..', '..', 'src', 'rxjs-compat', file), 'utf8');
  return [...text.matchAll(/\* @example\n((?: \*(?: .*)?\n)+?) \*\//g)].map((match) =>
    match[1]!.replace(/^ \*(?: |$)/gm, ''),
  );
}

describe('JSDoc examples', () => {
  const examples = [
    ...jsdocExamples('config.ts').map((code) => ({ where: 'WebSocketSubjectConfig', code })),
    ...jsdocExamples('websocket-subject.ts').map((code, i) => ({ where: i === 0 ? 'WebSocketSubject' : 'webSocket()', code })),
  ];

  it('there are three', () => expect(examples.map((e) => e.where)).toEqual(['WebSocketSubjectConfig', 'WebSocketSubject', 'webSocket()']));

  // The two that subscribe without an error handler get a clean close: an unclean one would be an unhandled error, as in RxJS.
  it.each(examples)('$where: receives the echo, then hears the server close or drop it', async ({ where, code }) => {
    const output = new Output();
    const source = code.replaceAll(EXAMPLE_URL, base());
    const { code: js } = transformSync(source, { loader: 'ts', format: 'cjs', target: 'es2022' });
    const { subject } = new Function('require', 'console', `${js}\nreturn { subject };`)(require, output.console) as {
      subject: WebSocketSubject<unknown>;
    };
    await output.line('received hello');
    const connection = await server.connection();
    if (where === 'WebSocketSubject') {
      connection.ws.terminate();
      await output.line('closed uncleanly 1006');
    } else {
      connection.ws.close(4001, 'bye');
      await connection.waitClosed();
      if (where === 'WebSocketSubjectConfig') await output.line('closed 4001');
    }
    subject.unsubscribe();
  });
});
