// The published declarations carry the public surface only: no symbol-keyed internals
// (members tagged @internal are stripped by tsconfig.build.json), no driver hooks, no
// test-only constructor parameters; and they type-check on their own, as a user's compiler
// (skipLibCheck off) reads them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe('the published declarations', () => {
  let out: string;
  beforeAll(() => {
    // Inside the repository, so the declarations resolve rxjs and ws as an app's would.
    mkdirSync(join(ROOT, 'node_modules', '.cache'), { recursive: true });
    out = mkdtempSync(join(ROOT, 'node_modules', '.cache', 'rxpeer-types-'));
    execFileSync(TSC, ['-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(out, 'types')], { cwd: ROOT });
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('leave every internal out', () => {
    const leaks: string[] = [];
    for (const file of files(join(out, 'types'))) {
      const text = readFileSync(file, 'utf8');
      for (const pattern of [/\[k[A-Z]\w*\]/, /\bPeerHooks\b/, /\bMultiplayerHooks\b/, /constructor\(backend/, /@internal/]) {
        if (pattern.test(text)) leaks.push(`${file.slice(out.length + 1)}: ${pattern.source}`);
      }
    }
    expect(leaks).toEqual([]);
  });

  it('type-check on their own, with skipLibCheck off', () => {
    const config = join(out, 'tsconfig.json');
    writeFileSync(
      config,
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'ES2022',
          lib: ['ES2022', 'DOM'],
          types: ['node'],
        },
        include: ['types/**/*.d.ts'],
      }),
    );
    let errors = '';
    try {
      execFileSync(TSC, ['-p', config], { cwd: ROOT, encoding: 'utf8' });
    } catch (error) {
      errors = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(errors).toBe('');
  }, 120_000);
});
