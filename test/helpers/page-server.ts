// Serves a test page and bundles browser code against the privately built package.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import type { BuiltPackage } from './built-package.js';

/**
 * Bundles `sourceFile` for browsers as if it were a file of an app that installed rxpeer:
 * its bare imports resolve from the package's node_modules, through its "exports" and
 * "imports" (the "browser" condition). Its relative imports would not resolve: keep them out.
 */
export async function bundleForBrowser(built: BuiltPackage, sourceFile: string, options: BuildOptions = {}): Promise<string> {
  const result = await build({
    stdin: { contents: readFileSync(sourceFile, 'utf8'), resolveDir: built.root, sourcefile: basename(sourceFile), loader: 'ts' },
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    ...options,
  });
  return result.outputFiles![0]!.text;
}

export interface PageServer {
  /** `http://127.0.0.1:port/`. */
  readonly url: string;
  close(): Promise<void>;
}

/** A static HTTP server on 127.0.0.1 for `files` (path → contents); `/` is `/index.html`. */
export async function servePage(files: Record<string, string>): Promise<PageServer> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const body = files[path === '/' ? '/index.html' : path];
    if (body === undefined) return void response.writeHead(404).end();
    const type = path.endsWith('.js') ? 'text/javascript' : 'text/html';
    response.writeHead(200, { 'Content-Type': `${type}; charset=utf-8`, 'Cache-Control': 'no-store' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      return closed;
    },
  };
}
