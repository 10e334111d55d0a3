// Builds dist/esm (ES modules), dist/cjs (CommonJS) and dist/types (declarations).
// esbuild transpiles file by file (no bundling), so the module graph stays as written
// and bundlers can tree-shake; tsc only emits declarations.
// `--outdir DIR` builds elsewhere (tests build a private copy of the package);
// `--no-types` skips the declarations.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const { values: args } = parseArgs({ options: { outdir: { type: 'string' }, 'no-types': { type: 'boolean' } } });
const dist = args.outdir === undefined ? join(root, 'dist') : resolve(args.outdir);

function sources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

rmSync(dist, { recursive: true, force: true });
const entryPoints = sources(join(root, 'src'));
const common = { entryPoints, bundle: false, platform: 'neutral', target: 'es2022', sourcemap: true, logLevel: 'warning' };
await build({ ...common, outdir: join(dist, 'esm'), format: 'esm' });
await build({ ...common, outdir: join(dist, 'cjs'), format: 'cjs' });
mkdirSync(join(dist, 'cjs'), { recursive: true });
writeFileSync(join(dist, 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
writeFileSync(join(dist, 'esm', 'package.json'), '{ "type": "module" }\n');

// Examples and the CLI run from dist too, compiled against the built package.
const extra = ['examples', 'bin'].flatMap((d) => {
  try {
    return sources(join(root, d));
  } catch {
    return [];
  }
});
if (extra.length > 0) {
  await build({ ...common, entryPoints: extra, outdir: dist, outbase: root, format: 'cjs', platform: 'node' });
}

if (!args['no-types']) {
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(root, 'tsconfig.build.json'), '--outDir', join(dist, 'types')], {
    stdio: 'inherit',
  });
}
