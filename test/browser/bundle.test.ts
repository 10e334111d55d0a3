// What an app's bundler makes of the package: esbuild, bundling apps that import `rxpeer`
// from a privately built copy of it, the way an installed package is resolved.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { useBuiltPackage } from '../helpers/built-package.js';

const pkg = useBuiltPackage();

interface Bundle {
  code: string;
  /** The modules that put code in the bundle, relative to the app's directory. */
  inputs: string[];
  gzipBytes: number;
  /** Minified bytes that come from rxpeer itself (the rest is rxjs). */
  ownBytes: number;
}

/** Bundles `source` as an app's entry file next to node_modules/rxpeer. */
async function bundle(name: string, source: string, options: BuildOptions = {}): Promise<Bundle> {
  const entry = join(pkg.built.root, name);
  writeFileSync(entry, source);
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: pkg.built.root,
    ...options,
  });
  const code = result.outputFiles![0]!.text;
  // Modules that put code in the bundle (tree-shaken ones are listed with 0 bytes).
  const [output] = Object.values((result.metafile as Metafile).outputs);
  const entries = Object.entries(output!.inputs).filter(([, { bytesInOutput }]) => bytesInOutput > 0);
  const ownBytes = entries.reduce((sum, [path, { bytesInOutput }]) => sum + (path.startsWith('node_modules/rxpeer/') ? bytesInOutput : 0), 0);
  return { code, inputs: entries.map(([path]) => path), gzipBytes: gzipSync(code, { level: 9 }).byteLength, ownBytes };
}

/** Node modules and Node globals a browser bundle must not contain. */
function nodeLeftovers(b: Bundle): string[] {
  const found = b.inputs.filter((input) => /node_modules\/ws\/|\/peer\/node\/|godot3\/websocket-server|observable\/listen\.m?js$|peer\/platform\.m?js$/.test(input));
  const nodeModule = /(\brequire\(|\bfrom|\bimport\(?)\s*["'](node:[\w/]+|ws|net|tls|http|https|stream|events|crypto|zlib|url|buffer)["']/;
  for (const pattern of [/\bBuffer\b/, /\bprocess\b/, /\brequire\(/, nodeModule]) {
    if (pattern.test(b.code)) found.push(`output matches ${pattern}`);
  }
  return found;
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
const sizes = (b: Bundle): string => `${kb(b.code.length)} minified (${kb(b.ownBytes)} of it rxpeer, the rest rxjs), ${kb(b.gzipBytes)} gzip`;

describe('the browser build of the package', () => {
  it('bundles every export of rxpeer and rxpeer/testing with no ws, net, tls, http or Buffer', async () => {
    const app = await bundle('everything.js', "import * as rxpeer from 'rxpeer';\nconsole.log(rxpeer);\n");
    expect(app.inputs).toContain('node_modules/rxpeer/dist/esm/index.browser.mjs');
    expect(app.inputs).toContain('node_modules/rxpeer/dist/esm/peer/platform.browser.mjs');
    expect(app.inputs).toContain('node_modules/rxpeer/dist/esm/peer/browser/browser-transport.mjs');
    expect(nodeLeftovers(app)).toEqual([]);
    console.log(`Every export of rxpeer, for browsers: ${sizes(app)}`);
    const testKit = await bundle('testing.js', "import * as testing from 'rxpeer/testing';\nconsole.log(testing);\n");
    expect(testKit.inputs).toContain('node_modules/rxpeer/dist/esm/peer/platform.browser.mjs');
    expect(nodeLeftovers(testKit)).toEqual([]);
  });

  it('is the same through require() (the CommonJS build)', async () => {
    const app = await bundle('required.js', "const rxpeer = require('rxpeer');\nconsole.log(rxpeer);\n", { format: 'iife' });
    expect(app.inputs).toContain('node_modules/rxpeer/dist/cjs/index.browser.js');
    expect(app.inputs).toContain('node_modules/rxpeer/dist/cjs/peer/platform.browser.js');
    expect(nodeLeftovers(app)).toEqual([]);
  });

  it('keeps an app that uses only fromPeer and State small (sideEffects: false)', async () => {
    const app = await bundle('small.js', "import { fromPeer, State } from 'rxpeer';\nconsole.log(fromPeer, State);\n");
    expect(nodeLeftovers(app)).toEqual([]);
    // Nothing of the operators beyond what the observable layer itself needs.
    const operators = app.inputs.filter((input) => input.includes('/operators/'));
    expect(operators).toEqual([]);
    expect(app.code).not.toMatch(/SendQueueOverflowError|reconnect: /);
    console.log(`fromPeer + State, for browsers: ${sizes(app)}`);
    // 14 KiB: hardening (TLS option checks, the compact inbound queue) and the server handshake hook
    // grew the core peer from 10.7 to 12.6 KiB, and the per-connection cost work (the shared
    // deadline timer, streams as their own Observables) to 13.7. A browser needs none of the
    // TLS checks (1.9 KiB minified), the handshake hook (1.0) or the shared timer (1.4): the
    // next trim is there, behind the platform swap.
    expect(app.gzipBytes).toBeLessThan(14 * 1024);
  });

  it('still gives Node the ws transport and the servers', async () => {
    const app = await bundle('node-app.mjs', "import { WebSocketPeer } from 'rxpeer';\nconsole.log(WebSocketPeer);\n", {
      platform: 'node',
      external: ['ws', 'rxjs'],
    });
    expect(app.inputs).toContain('node_modules/rxpeer/dist/esm/peer/platform.mjs');
    expect(app.inputs).toContain('node_modules/rxpeer/dist/esm/peer/node/ws-transport.mjs');
    expect(app.inputs).not.toContain('node_modules/rxpeer/dist/esm/peer/platform.browser.mjs');
    // And Node itself, which has no "browser" condition: both module systems get the servers.
    const script = "const r = require('rxpeer'); import('rxpeer').then((m) => console.log(typeof r.TCPServer, typeof m.TCPServer));";
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: pkg.built.root });
    expect(stdout.trim()).toBe('function function');
  });
});
