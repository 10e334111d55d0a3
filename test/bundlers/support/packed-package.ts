// The package as npm would publish it: the repository's files (tracked or new, minus what
// .gitignore leaves out, as in a fresh clone) copied to a temporary directory, and
// `npm pack` run there, so `prepack` builds dist from nothing and `files` decides what ships.
// Apps then get it as an installer lays it out: node_modules/rxpeer from the tarball, with
// its dependencies beside it.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../helpers/built-package.js';

const run = promisify(execFile);

export interface PackedPackage {
  /** The temporary directory holding the clone and the tarball. */
  readonly dir: string;
  /** Absolute path of `rxpeer-<version>.tgz`. */
  readonly tarball: string;
  /** Lays the package out in `<appDir>/node_modules` (rxpeer from the tarball, rxjs and ws beside it). */
  installInto(appDir: string): Promise<void>;
  remove(): void;
}

/** Runs `npm pack` in a fresh copy of the repository; the copy shares node_modules (the devDependencies `prepack` needs). */
export async function packPackage(): Promise<PackedPackage> {
  const dir = mkdtempSync(join(tmpdir(), 'rxpeer-pack-'));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    const clone = join(dir, 'clone');
    mkdirSync(clone);
    const { stdout: listed } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, maxBuffer: 64 << 20 });
    const paths = listed.split('\0').filter((path) => path !== '');
    // tar keeps the tree as it is; tracked files deleted in the work tree are skipped (--ignore-failed-read).
    await new Promise<void>((resolve, reject) => {
      const tar = execFile('sh', ['-c', 'tar -cf - --null --ignore-failed-read -T - 2>/dev/null | tar -xf - -C "$1"', 'sh', clone], { cwd: REPO_ROOT }, (error) =>
        error ? reject(error) : resolve(),
      );
      tar.stdin!.end(paths.join('\0'));
    });
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
    await run('npm', ['pack', '--pack-destination', dir], { cwd: clone, maxBuffer: 64 << 20 });
    const { version } = JSON.parse(readFileSync(join(clone, 'package.json'), 'utf8')) as { version: string };
    const tarball = join(dir, `rxpeer-${version}.tgz`);
    return {
      dir,
      tarball,
      async installInto(appDir) {
        const modules = join(appDir, 'node_modules');
        mkdirSync(modules, { recursive: true });
        await run('tar', ['-xzf', tarball, '-C', modules]);
        renameSync(join(modules, 'package'), join(modules, 'rxpeer'));
        for (const name of ['rxjs', 'ws']) symlinkSync(join(REPO_ROOT, 'node_modules', name), join(modules, name), 'dir');
      },
      remove,
    };
  } catch (error) {
    remove();
    throw error;
  }
}
