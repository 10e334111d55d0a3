// Builds test/bundlers/app with one bundler, configured as that bundler's documentation
// shows for a browser app, into OUT_DIR (index.html + scripts). Run as a process of its own:
// Vite is ESM-only and the bundlers build in parallel.
//   node build-app.mjs BUNDLER APP_DIR OUT_DIR
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [bundler, appDir, outDir] = process.argv.slice(2);
mkdirSync(outDir, { recursive: true });
const entry = join(appDir, 'main.js');
/** index.html loading the single script a bundler wrote. */
const page = () => writeFileSync(join(outDir, 'index.html'), readFileSync(join(appDir, 'index.html'), 'utf8').replace('./main.js', './app.js'));

switch (bundler) {
  case 'esbuild': {
    const { build } = await import('esbuild');
    await build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', minify: true, outfile: join(outDir, 'app.js'), logLevel: 'warning' });
    page();
    break;
  }
  case 'vite7':
  case 'vite8': {
    const { build } = await import(bundler === 'vite7' ? 'vite7' : 'vite');
    await build({ root: appDir, configFile: false, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    break;
  }
  case 'webpack': {
    const { default: webpack } = await import('webpack');
    const config = { mode: 'production', target: 'web', context: appDir, entry: './main.js', output: { path: outDir, filename: 'app.js' } };
    const stats = await new Promise((resolve, reject) => webpack(config, (error, result) => (error ? reject(error) : resolve(result))));
    if (stats.hasErrors() || stats.hasWarnings()) throw new Error(stats.toString('errors-warnings'));
    page();
    break;
  }
  case 'rollup': {
    const { rollup } = await import('rollup');
    const { nodeResolve } = await import('@rollup/plugin-node-resolve');
    const warnings = [];
    const bundle = await rollup({ input: entry, plugins: [nodeResolve({ browser: true })], onwarn: (w) => warnings.push(w.message) });
    await bundle.write({ file: join(outDir, 'app.js'), format: 'es' });
    await bundle.close();
    if (warnings.length > 0) throw new Error(warnings.join('\n'));
    page();
    break;
  }
  default:
    throw new Error(`unknown bundler ${bundler}`);
}
