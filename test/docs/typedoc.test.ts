// `npm run docs`: the API reference from the TSDoc comments, with the guides in docs/, builds
// with no warning (typedoc.json treats every warning as an error), here into a temporary directory.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../helpers/built-package.js';

let out: string;
beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'rxpeer-docs-'));
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

it('builds the API reference and the guides with no warnings', async () => {
  const typedoc = join(REPO_ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc');
  let output: string;
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [typedoc, '--out', out], {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      maxBuffer: 16 << 20,
    });
    output = stdout + stderr;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    throw new Error(`typedoc failed:\n${failed.stdout ?? ''}${failed.stderr ?? ''}`);
  }
  expect(output.split('\n').filter((line) => /warning|error/i.test(line))).toEqual([]);
  for (const page of ['index.html', 'documents/Godot_→_rxpeer.html', 'documents/The_failure_rule.html', 'documents/Marble_testing.html', 'functions/index.connect.html']) {
    expect(existsSync(join(out, page))).toBe(true);
  }
}, 120_000);
