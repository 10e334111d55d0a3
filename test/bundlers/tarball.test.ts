// The tarball `npm pack` makes from a fresh copy of the repository: what it ships, publint
// and @arethetypeswrong/cli on it, and its declarations type-checked by a browser project
// (no @types/node, skipLibCheck off) under each moduleResolution a project may use.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../helpers/built-package.js';
import { type PackedPackage, packPackage } from './support/packed-package.js';

const run = promisify(execFile);
const bin = (name: string): string => join(REPO_ROOT, 'node_modules', '.bin', name);

let packed: PackedPackage;

beforeAll(async () => {
  packed = await packPackage();
}, 120_000);

afterAll(() => packed?.remove());

/** Runs a command; resolves with its exit code and output instead of rejecting. */
async function attempt(file: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, maxBuffer: 16 << 20, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe('the packed tarball', () => {
  it('ships the built package and nothing users do not run', async () => {
    const { stdout } = await run('tar', ['-tzf', packed.tarball]);
    const files = stdout.split('\n').filter((line) => line !== '').map((line) => line.replace(/^package\//, ''));
    expect(files).toEqual(
      expect.arrayContaining(['package.json', 'README.md', 'dist/bin/rxpeer.js', 'dist/esm/index.mjs', 'dist/cjs/index.js', 'dist/types/index.d.ts', 'dist/types/index.d.mts']),
    );
    // No examples, no TypeScript sources (declarations only), no nested package.json.
    expect(files.filter((file) => file.startsWith('dist/examples/') || file.startsWith('bin/') || file.startsWith('src/'))).toEqual([]);
    expect(files.filter((file) => /\.(ts|mts|cts)$/.test(file) && !/\.d\.(ts|mts)$/.test(file))).toEqual([]);
    expect(files.filter((file) => file.endsWith('package.json') && file !== 'package.json')).toEqual([]);
  });

  it('passes publint with no errors, warnings or suggestions', async () => {
    const { code, output } = await attempt(bin('publint'), ['--strict', packed.tarball], packed.dir);
    expect({ code, output: output.trim().split('\n').at(-1) }).toEqual({ code: 0, output: 'All good!' });
  }, 60_000);

  it('passes @arethetypeswrong/cli under node10, node16 (CJS and ESM) and bundler', async () => {
    const { code, output } = await attempt(bin('attw'), [packed.tarball, '--format', 'ascii'], packed.dir);
    expect(output).toMatch(/No problems found/);
    expect(code).toBe(0);
  }, 60_000);

  // A browser app's tsconfig: DOM, no Node types, every .d.ts checked.
  const resolutions: [name: string, module: string, moduleResolution: string, file: string][] = [
    ['node16 (CommonJS)', 'node16', 'node16', 'main.ts'],
    ['node16 (ES module)', 'node16', 'node16', 'main.mts'],
    ['bundler', 'esnext', 'bundler', 'main.ts'],
    ['node10', 'commonjs', 'node10', 'main.ts'],
  ];
  it.each(resolutions)('has declarations that type-check without @types/node under moduleResolution %s', async (name, module, moduleResolution, file) => {
    const dir = join(packed.dir, `types-${name.replace(/\W+/g, '-')}`);
    mkdirSync(dir);
    await packed.installInto(dir);
    const compilerOptions = {
      target: 'ES2022',
      lib: ['ES2022', 'DOM'],
      module,
      moduleResolution,
      strict: true,
      skipLibCheck: false,
      noEmit: true,
      types: [],
      ...(moduleResolution === 'node10' ? { ignoreDeprecations: '6.0' } : {}),
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: [file] }, null, 2));
    writeFileSync(
      join(dir, file),
      [
        "import { connect, connection, reconnect, State, WebSocketPeer, type ObservablePeer } from 'rxpeer';",
        "import { createMemoryPair } from 'rxpeer/testing';",
        'const peers: [WebSocketPeer, WebSocketPeer] = createMemoryPair();',
        "const chat = connection(connect('wss://example.com/').pipe(reconnect()));",
        'const open: State = State.OPEN;',
        'export const used: [typeof peers, typeof chat, State, ObservablePeer | null] = [peers, chat, open, null];',
        '',
      ].join('\n'),
    );
    const { code, output } = await attempt(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], dir);
    expect({ code, output }).toEqual({ code: 0, output: '' });
  }, 60_000);
});
