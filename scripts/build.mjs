// Builds the package: dist/esm (ES modules, *.mjs), dist/cjs (CommonJS, *.js) and
// dist/types (declarations: *.d.ts for require, *.d.mts for import), then the CLI and
// the examples (dist/bin, dist/examples), which run from dist against the built package.
//
// Why .mjs rather than dist/esm/package.json {"type":"module"}: bundlers read the nearest
// package.json of a file for what it maps (once the "browser" field, now "#platform" in
// "imports"), and a nested one hid the root's from Vite, webpack and Rollup, which then
// bundled the Node transport. With no nested package.json every file of dist resolves
// "#platform" through the root package.json: the browser transport under the "browser"
// condition, ws otherwise.
//
// esbuild transpiles file by file (every import stays external), so the module graph stays
// as written and bundlers can tree-shake; tsc only emits declarations.
// `--outdir DIR` builds elsewhere (tests build a private copy of the package);
// `--no-types` skips the declarations.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const { values: args } = parseArgs({ options: { outdir: { type: 'string' }, 'no-types': { type: 'boolean' } } });
const dist = args.outdir === undefined ? join(root, 'dist') : resolve(args.outdir);

function files(dir, suffix) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    // examples/angular is an Angular CLI project of its own (built by the Angular CLI).
    if (name === 'node_modules' || path === join(root, 'examples', 'angular')) return [];
    if (statSync(path).isDirectory()) return files(path, suffix);
    return path.endsWith(suffix) ? [path] : [];
  });
}
const sources = (dir) => files(dir, '.ts').filter((path) => !path.endsWith('.d.ts'));

/** `./x.js` → `./x.mjs` in a relative import specifier; bare ones (rxjs, ws) stay. */
const toMjs = (specifier) => specifier.replace(/^(\.{1,2}\/.*)\.js$/, '$1.mjs');

/** Leaves every import external, rewriting relative ones to the .mjs files next to it. */
const mjsImports = {
  name: 'mjs-imports',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (a) => (a.kind === 'entry-point' ? undefined : { path: toMjs(a.path), external: true }));
  },
};

rmSync(dist, { recursive: true, force: true });
const entryPoints = sources(join(root, 'src'));
const common = { entryPoints, platform: 'neutral', target: 'es2022', sourcemap: true, logLevel: 'warning' };
await build({ ...common, outdir: join(dist, 'esm'), format: 'esm', bundle: true, outExtension: { '.js': '.mjs' }, plugins: [mjsImports] });
await build({ ...common, outdir: join(dist, 'cjs'), format: 'cjs', bundle: false });

// Examples and the CLI run from dist too, compiled against the built package.
const extra = ['examples', 'bin'].flatMap((d) => (existsSync(join(root, d)) ? sources(join(root, d)) : []));
if (extra.length > 0) {
  await build({ ...common, entryPoints: extra, outdir: dist, outbase: root, format: 'cjs', platform: 'node', bundle: false });
}

if (!args['no-types']) {
  const types = join(dist, 'types');
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(root, 'tsconfig.build.json'), '--outDir', types], { stdio: 'inherit' });
  // The same declarations as ES modules, for the "import" condition: a .d.ts is CommonJS in
  // this package (no "type": "module"), and types must match the format of the code they describe.
  for (const file of files(types, '.d.ts')) {
    const text = readFileSync(file, 'utf8').replace(/(['"])(\.{1,2}\/[^'"]*?)\.js\1/g, (_, q, path) => `${q}${path}.mjs${q}`);
    writeFileSync(file.replace(/\.d\.ts$/, '.d.mts'), text);
  }
}
