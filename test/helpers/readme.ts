// Runs a README code block as written: the block is found by the heading above it and the
// first line it contains, compiled with TypeScript and run with `rxpeer` and `rxjs` resolved
// as a user's project resolves them. Only the listed literal replacements are made (a real
// port for the example's fixed one), so a README example that stops compiling or working
// fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const README = readFileSync(join(__dirname, '../../README.md'), 'utf8');

/** The code of the first ```ts block after `heading` whose text contains `marker`. */
export function readmeBlock(heading: string, marker: string): string {
  const start = README.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README: no heading ${JSON.stringify(heading)}`);
  const blocks = README.slice(start).matchAll(/```ts\n([\s\S]*?)```/g);
  for (const [, code] of blocks) if (code!.includes(marker)) return code!;
  throw new Error(`README: no ts block containing ${JSON.stringify(marker)} after ${JSON.stringify(heading)}`);
}

/** The `@example` of the JSDoc comment in `file` (relative to the repository) that contains `marker`. */
export function jsdocExample(file: string, marker: string): string {
  const source = readFileSync(join(__dirname, '../..', file), 'utf8');
  for (const [, body] of source.matchAll(/@example\n([\s\S]*?)\*\//g)) {
    const code = body!
      .split('\n')
      .map((line) => line.replace(/^\s*\* ?/, ''))
      .join('\n');
    if (code.includes(marker)) return code;
  }
  throw new Error(`${file}: no @example containing ${JSON.stringify(marker)}`);
}

export interface ExampleRun<T> {
  /** The bindings asked for, as the example left them. */
  readonly bindings: T;
  /** Every console.log line the example printed. */
  readonly logs: string[];
  /** Resolves with the first logged line matching `pattern`. */
  logged(pattern: RegExp): Promise<string>;
}

/**
 * Compiles and runs a README example. `replace` maps literal text to its stand-in (a port);
 * `bindings` names top-level consts to hand back (subscriptions to end, sockets to inspect).
 */
export function runExample<T extends Record<string, unknown>>(
  code: string,
  { replace = {}, bindings = [] }: { replace?: Record<string, string>; bindings?: (keyof T & string)[] } = {},
): ExampleRun<T> {
  let source = code;
  for (const [from, to] of Object.entries(replace)) {
    if (!source.includes(from)) throw new Error(`README example: ${JSON.stringify(from)} not found`);
    source = source.split(from).join(to);
  }
  const { outputText, diagnostics } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    reportDiagnostics: true,
  });
  if (diagnostics?.length) throw new Error(`README example does not compile: ${ts.flattenDiagnosticMessageText(diagnostics[0]!.messageText, '\n')}`);
  const logs: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const log = (...args: unknown[]): void => {
    const line = args.map((a) => (typeof a === 'string' ? a : String(a))).join(' ');
    logs.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };
  const exampleConsole = { ...console, log };
  const body = `${outputText}\nreturn { ${bindings.join(', ')} };`;
  // jest's require resolves 'rxpeer' to the sources, as a user's bundler resolves the package.
  const run = new Function('require', 'exports', 'console', body) as (r: NodeRequire, e: object, c: Console) => T;
  const result = run(require, {}, exampleConsole);
  return {
    bindings: result,
    logs,
    logged: (pattern) => {
      const seen = logs.find((line) => pattern.test(line));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ pattern, resolve }));
    },
  };
}
