// The chat demo's Node half: `rxpeer serve --chat` (Godot's websocket_chat relay) as a
// child process, and a static HTTP server for the page, bundled with esbuild against a
// built rxpeer package the way an app's bundler would: through the "browser" condition of
// the package's "exports" and "imports". Used by `npm run chat` (main.ts) and by the
// end-to-end test (test/browser/chat.e2e.test.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Plugin } from 'esbuild';

export interface ChatDemoOptions {
  /** A built rxpeer package (package.json + dist): the CLI runs from it and the page bundles it. */
  packageDir: string;
  /** Port of the chat server (0 = any free one). Default 8000, as Godot's demo. */
  chatPort?: number;
  /** Port of the page's HTTP server (0 = any free one). Default 8080. */
  httpPort?: number;
  /** Address both servers listen on. Default 127.0.0.1. */
  host?: string;
  /** Milliseconds to wait for the chat server to listen. Default 10000. */
  startTimeout?: number;
  /** Hears each line the chat server prints on stdout. */
  onServerOutput?: (line: string) => void;
}

export interface ChatDemo {
  /** The page, with `?server=` pointing at the chat server. */
  readonly pageUrl: string;
  /** `ws://host:port` of the chat server. */
  readonly chatUrl: string;
  /** Every line the chat server printed on stdout so far. */
  readonly serverOutput: readonly string[];
  /** Resolves with the first stdout line of the chat server matching `pattern` (seen before or after the call). */
  waitForOutput(pattern: RegExp, timeout?: number): Promise<string>;
  /** Stops both servers: the chat server closes its clients with 1001 and exits. */
  stop(): Promise<void>;
}

const PAGE_FILES = ['index.html', 'page.ts'];

/** Where index.html and page.ts are: next to this file, or in the source tree when run from dist/. */
export function chatExampleDir(): string {
  const candidates = [__dirname, join(__dirname, '..', '..', '..', 'examples', 'chat')];
  const found = candidates.find((dir) => PAGE_FILES.every((file) => existsSync(join(dir, file))));
  if (found === undefined) throw new Error(`chat example sources not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** Resolves `rxpeer` and `rxpeer/...` as an import from inside `packageDir` would: through its package.json. */
function builtPackage(packageDir: string): Plugin {
  const again = Symbol('resolved by builtPackage');
  return {
    name: 'rxpeer-built-package',
    setup(build) {
      build.onResolve({ filter: /^rxpeer(\/|$)/ }, async (args) => {
        if (args.pluginData === again) return undefined;
        const result = await build.resolve(args.path, { kind: args.kind, resolveDir: packageDir, pluginData: again });
        if (result.errors.length > 0) return { errors: result.errors };
        return { path: result.path, sideEffects: result.sideEffects };
      });
    },
  };
}

/** The page's files (path → contents), bundled for browsers in memory. */
export async function bundleChatPage(packageDir: string): Promise<Map<string, Uint8Array>> {
  const dir = chatExampleDir();
  // Loaded when the page is built, so `--help` and the server run without the dev dependency.
  const { build } = require('esbuild') as typeof import('esbuild');
  const result = await build({
    entryPoints: [join(dir, 'page.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    write: false,
    outdir: '/',
    // The repository's tsconfig maps `rxpeer` to src/ for the tests; the page takes the package.
    tsconfigRaw: {},
    plugins: [builtPackage(packageDir)],
    logLevel: 'silent',
  });
  const files = new Map<string, Uint8Array>(result.outputFiles.map((file) => [file.path, file.contents]));
  files.set('/index.html', readFileSync(join(dir, 'index.html')));
  return files;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** A static HTTP server for `files`, `/` being index.html. */
async function serveFiles(files: Map<string, Uint8Array>, port: number, host: string): Promise<Server> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const body = files.get(path === '/' ? '/index.html' : path);
    if (request.method !== 'GET' || body === undefined) {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
      return;
    }
    const type = CONTENT_TYPES[path.slice(path.lastIndexOf('.'))] ?? CONTENT_TYPES['.html']!;
    response.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

/** `rxpeer serve --chat` from the package's CLI, resolved once it says which port it listens on. */
async function startChatServer(packageDir: string, port: number, host: string, timeout: number, onOutput?: (line: string) => void) {
  const cli = join(packageDir, 'dist', 'bin', 'rxpeer.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build the package first (npm run build)`);
  const child = spawn(process.execPath, [cli, 'serve', '--chat', '--port', String(port), '--bind', host, '--protocol', 'demo-chat'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const errors: string[] = [];
  const watchers = new Set<(line: string) => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    output.push(line);
    onOutput?.(line);
    for (const watcher of watchers) watcher(line);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => errors.push(line));
  // 'close', not 'exit': by then everything it printed has been read.
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const printed = (): string => [...output, ...errors].join('\n');

  const waitForOutput = (pattern: RegExp, ms = 10_000): Promise<string> => {
    const seen = output.find((line) => pattern.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const finish = (error: Error | null, line = ''): void => {
        clearTimeout(timer);
        watchers.delete(watch);
        child.off('close', gone);
        if (error === null) resolve(line);
        else reject(error);
      };
      const watch = (line: string): void => {
        if (pattern.test(line)) finish(null, line);
      };
      const gone = (): void => finish(new Error(`chat server exited before printing ${pattern}:\n${printed()}`));
      const timer = setTimeout(() => finish(new Error(`chat server: nothing matching ${pattern} within ${ms} ms:\n${printed()}`)), ms);
      watchers.add(watch);
      child.once('close', gone);
    });
  };

  try {
    const listening = await waitForOutput(/^Listening on port \d+/, timeout);
    return { child, output, exited, waitForOutput, port: Number(/port (\d+)/.exec(listening)![1]) };
  } catch (error) {
    await stopChild(child, exited);
    throw error;
  }
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT'); // closes every client with 1001, then exits
  const timer = setTimeout(() => child.kill('SIGKILL'), 7000);
  await exited;
  clearTimeout(timer);
}

/** Starts the chat server and the page's HTTP server. */
export async function startChatDemo(options: ChatDemoOptions): Promise<ChatDemo> {
  const { packageDir, chatPort = 8000, httpPort = 8080, host = '127.0.0.1', startTimeout = 10_000, onServerOutput } = options;
  const files = await bundleChatPage(packageDir);
  const chat = await startChatServer(packageDir, chatPort, host, startTimeout, onServerOutput);
  let http: Server;
  try {
    http = await serveFiles(files, httpPort, host);
  } catch (error) {
    await stopChild(chat.child, chat.exited);
    throw error;
  }
  const chatUrl = `ws://${host}:${chat.port}`;
  const { port } = http.address() as AddressInfo;
  return {
    pageUrl: `http://${host}:${port}/?server=${chatUrl}`, // a ws://host:port URL needs no escaping in a query
    chatUrl,
    serverOutput: chat.output,
    waitForOutput: chat.waitForOutput,
    async stop() {
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      await Promise.all([closed, stopChild(chat.child, chat.exited)]);
    },
  };
}
