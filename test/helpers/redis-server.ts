// A real redis-server for a test: Debian's binary (installed by .ci/run) on a free loopback
// port, persistence off, so every test starts from an empty Redis and leaves nothing behind.
// stop() and restart() keep the port, for the tests of a Redis that goes away and comes back.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:PORT` */
  readonly url: string;
  /** Whether the server process is running. */
  readonly running: boolean;
  /** Stops the server (SIGTERM; SIGKILL with `{ kill: true }`) and waits for it to exit. Idempotent. */
  stop(options?: { kill?: boolean }): Promise<void>;
  /** Starts it again on the same port, empty (nothing is persisted), and waits until it accepts connections. */
  restart(): Promise<void>;
  /** SIGSTOP: it keeps its connections open but answers nothing, as a hung server would. resume() (SIGCONT) undoes it. */
  pause(): void;
  resume(): void;
}

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;

/** A port that was free a moment ago: the kernel's pick for port 0 on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Starts redis-server and resolves once it printed that it accepts connections. */
function launch(port: number): Promise<{ child: ChildProcess; exited: Promise<void> }> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'notice'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const finish = (error: Error | null): void => {
      clearTimeout(timer);
      child.off('close', gone);
      child.off('error', failed);
      lines.off('line', onLine);
      if (error === null) resolve({ child, exited });
      else {
        child.kill('SIGKILL');
        void exited.then(() => reject(error));
      }
    };
    const onLine = (line: string): void => {
      output.push(line);
      if (/Ready to accept connections/.test(line)) finish(null);
    };
    const gone = (): void => finish(new Error(`redis-server on port ${port} exited before it was ready:\n${output.join('\n')}`));
    const failed = (error: Error): void =>
      finish(new Error(`redis-server could not be started (${error.message}); install it: apt-get install redis-server`));
    const timer = setTimeout(
      () => finish(new Error(`redis-server on port ${port} not ready within ${START_TIMEOUT_MS} ms:\n${output.join('\n')}`)),
      START_TIMEOUT_MS,
    );
    lines.on('line', onLine);
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('close', gone);
    child.once('error', failed);
  });
}

/** A fresh redis-server on a free loopback port. Call stop() after the test. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let current: { child: ChildProcess; exited: Promise<void> } | null = await launch(port);
  const stop = async (options: { kill?: boolean } = {}): Promise<void> => {
    const running = current;
    current = null;
    if (running === null) return;
    running.child.kill('SIGCONT'); // a paused server would not act on SIGTERM
    running.child.kill(options.kill === true ? 'SIGKILL' : 'SIGTERM');
    const timer = setTimeout(() => running.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await running.exited;
    clearTimeout(timer);
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return current !== null;
    },
    stop,
    async restart() {
      await stop();
      current = await launch(port);
    },
    pause() {
      current?.child.kill('SIGSTOP');
    },
    resume() {
      current?.child.kill('SIGCONT');
    },
  };
}
