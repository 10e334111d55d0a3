// A cluster node (examples/cluster/node.ts, built) as a child process: its stdout lines,
// waiting for a line on events (bounded), and stopping or killing it.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface NodeProcess {
  readonly nodeId: string;
  readonly relayPort: number;
  readonly chatPort: number;
  readonly output: readonly string[];
  readonly child: ChildProcess;
  /** Resolves with the first line matching `pattern` printed after line `from` (default: any). */
  waitFor(pattern: RegExp, options?: { from?: number; ms?: number }): Promise<string>;
  /** SIGTERM (a clean leave) or SIGKILL; resolves once it exited. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

export async function startNodeProcess(packageDir: string, redisUrl: string, extra: string[] = []): Promise<NodeProcess> {
  const script = join(packageDir, 'dist', 'examples', 'cluster', 'node.js');
  const child = spawn(process.execPath, [script, '--redis', redisUrl, '--relay-port', '0', '--chat-port', '0', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const errors: string[] = [];
  const watchers = new Set<() => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    output.push(line);
    for (const watcher of [...watchers]) watcher();
  });
  createInterface({ input: child.stderr! }).on('line', (line) => errors.push(line));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let done = false;
  void exited.then(() => {
    done = true;
    for (const watcher of [...watchers]) watcher();
  });

  const waitFor = (pattern: RegExp, { from = 0, ms = 15_000 } = {}): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const line = output.slice(from).find((l) => pattern.test(l));
        if (line === undefined && !done) return;
        clearTimeout(timer);
        watchers.delete(check);
        if (line !== undefined) resolve(line);
        else reject(new Error(`node exited before printing ${pattern}:\n${[...output, ...errors].join('\n')}`));
      };
      const timer = setTimeout(() => {
        watchers.delete(check);
        reject(new Error(`node: nothing matching ${pattern} within ${ms} ms:\n${[...output, ...errors].join('\n')}`));
      }, ms);
      watchers.add(check);
      check();
    });

  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
    if (!done) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    const ready = await waitFor(/^ready node /);
    const [, nodeId, relay, chat] = /^ready node (\S+) relay (\d+) chat (\d+)/.exec(ready)!;
    return { nodeId: nodeId!, relayPort: Number(relay), chatPort: Number(chat), output, child, waitFor, stop };
  } catch (error) {
    await stop('SIGKILL');
    throw error;
  }
}
