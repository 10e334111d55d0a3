// test/ mirrors src/ (test/README.md): a test file sits in the folder of the code it tests,
// or in a folder named for what it checks across the package. A test folder that matches
// neither (as test/server once did) fails here, naming the file.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const TEST = join(ROOT, 'test');

/** Folders of test/ that check the package as a whole, not one folder of src/. */
const KINDS = ['architecture', 'docs', 'browser', 'bundlers', 'interop', 'fuzz'];

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : testFiles(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Where the code a test file tests lives, or null for a cross-package kind. */
function mirrored(file: string): string | null {
  const folder = relative(TEST, dirname(file));
  const [top = ''] = folder.split(sep);
  if (KINDS.includes(top)) return null;
  if (top === 'bin' || top === 'examples') return join(ROOT, folder); // test/bin → bin/, test/examples/x → examples/x
  return join(ROOT, 'src', folder);
}

it('every test file is in a folder that mirrors src/, bin/ or examples/, or in a named kind', () => {
  const misplaced = testFiles(TEST)
    .filter((file) => {
      const target = mirrored(file);
      return target !== null && !(existsSync(target) && statSync(target).isDirectory());
    })
    .map((file) => relative(ROOT, file));
  expect(misplaced).toEqual([]);
});

it('no test file sits directly in test/', () => {
  expect(readdirSync(TEST).filter((name) => name.endsWith('.test.ts'))).toEqual([]);
});
