// A private build of the package for tests that run built code (browser bundles, the
// examples and the CLI as processes): scripts/build.mjs into a temporary
// node_modules/rxpeer (package.json + dist), so bundlers resolve `rxpeer` exactly as in an
// app that installed it, and no test touches the repository's own dist/.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const REPO_ROOT = join(__dirname, '..', '..');

export interface BuiltPackage {
  /** The temporary directory: `node_modules/` is in it, so an entry here imports `rxpeer` like an app. */
  readonly root: string;
  /** `<root>/node_modules/rxpeer`. */
  readonly packageDir: string;
  remove(): void;
}

/** Builds the package (JavaScript only, no declarations) into a fresh temporary directory. */
export async function buildPackage(): Promise<BuiltPackage> {
  const root = mkdtempSync(join(tmpdir(), 'rxpeer-package-'));
  const remove = (): void => rmSync(root, { recursive: true, force: true });
  try {
    const modules = join(root, 'node_modules');
    const packageDir = join(modules, 'rxpeer');
    mkdirSync(packageDir, { recursive: true });
    copyFileSync(join(REPO_ROOT, 'package.json'), join(packageDir, 'package.json'));
    // Its dependencies, as an installer would place them next to it.
    // redis (and its @redis scope) is an optional peer dependency, for rxpeer/redis.
    for (const name of ['rxjs', 'ws', 'redis', '@redis']) symlinkSync(join(REPO_ROOT, 'node_modules', name), join(modules, name), 'dir');
    await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs'), '--outdir', join(packageDir, 'dist'), '--no-types'], {
      cwd: REPO_ROOT,
    });
    return { root, packageDir, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

/**
 * A private build for the whole test file: made in beforeAll, removed in afterAll. Read
 * `.built` inside hooks and tests (it throws before the build is there).
 */
export function useBuiltPackage(): { readonly built: BuiltPackage } {
  let built: BuiltPackage | undefined;
  beforeAll(async () => {
    built = await buildPackage();
  }, 130_000);
  afterAll(() => built?.remove());
  return {
    get built() {
      if (built === undefined) throw new Error('useBuiltPackage: the build is made in beforeAll');
      return built;
    },
  };
}
