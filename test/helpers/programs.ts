// The package's programs (bin/ and examples/) run as a user runs them: node dist/..., from a
// private build (scripts/build.mjs) made once per test file, so no other test (or a
// developer's npm run demo) can rebuild it underneath them. Output is awaited as it
// arrives, every wait bounded; whatever is still running after a test is killed.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { type BuiltPackage, REPO_ROOT, useBuiltPackage } from './built-package.js';
import { within } from './poll.js';

const PROGRAM_DEADLINE_MS = 15_000;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A spawned node program whose output can be awaited line by line. */
export class Program {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<Exit>;
  stdout = '';
  stderr = '';
  /** stdout and stderr as they arrived, interleaved. */
  output = '';
  #changed: (() => void)[] = [];

  constructor(
    readonly name: string,
    file: string,
    args: string[],
    cwd: string,
    private readonly everyone: readonly Program[],
  ) {
    this.child = spawn(process.execPath, [file, ...args], { cwd });
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => this.#append('stdout', chunk));
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => this.#append('stderr', chunk));
    this.child.stdin.on('error', () => {}); // EPIPE when a program exits before reading its input
    this.exited = new Promise((done) => this.child.once('close', (code, signal) => done({ code, signal })));
  }

  /**
   * Resolves with the first match of `pattern` in `stream` (from offset `from`), as output
   * arrives; on time-out, fails with the output of every program of the test.
   */
  async waitFor(pattern: RegExp, { stream = 'stdout', from = 0 }: { stream?: 'stdout' | 'stderr' | 'output'; from?: number } = {}): Promise<RegExpMatchArray> {
    return within(
      (async () => {
        for (;;) {
          const match = this[stream].slice(from).match(pattern);
          if (match !== null) return match;
          await new Promise<void>((changed) => this.#changed.push(changed));
        }
      })(),
      `${this.name}: ${pattern} on ${stream}; so far:\n${this.#transcripts()}`,
      PROGRAM_DEADLINE_MS,
    );
  }

  /** Writes `line` to the program's input; returns the output offset before it, for waitFor's `from`. */
  type(line: string): number {
    const mark = this.output.length;
    this.child.stdin.write(`${line}\n`);
    return mark;
  }

  async exit(): Promise<Exit> {
    return within(this.exited, `${this.name} to exit; so far:\n${this.#transcripts()}`, PROGRAM_DEADLINE_MS);
  }

  kill(): Promise<Exit> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    return this.exited;
  }

  #transcripts(): string {
    return this.everyone.map((p) => `--- ${p.name} stdout:\n${p.stdout}\n--- ${p.name} stderr:\n${p.stderr}`).join('\n');
  }

  #append(stream: 'stdout' | 'stderr', chunk: string): void {
    this[stream] += chunk;
    this.output += chunk;
    this.#changed.splice(0).forEach((wake) => wake());
  }
}

export interface Programs {
  /** Starts `script` (a path inside the built package, e.g. `dist/bin/rxpeer.js`). */
  start(script: string, args?: string[], options?: { name?: string; cwd?: string }): Program;
  /** The private build, once beforeAll has run. */
  readonly built: BuiltPackage;
}

/** Builds the package before the file's tests and starts programs from it; call at the top of a test file or describe. */
export function usePrograms(): Programs {
  const build = useBuiltPackage();
  const running: Program[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((program) => program.kill()));
  });
  return {
    start(script, args = [], { name = script, cwd = REPO_ROOT } = {}) {
      const program = new Program(name, join(build.built.packageDir, script), args, cwd, running);
      running.push(program);
      return program;
    },
    get built() {
      return build.built;
    },
  };
}

/** Asserts that `lines` occur in `output` in this order. */
export function expectInOrder(output: string, lines: (string | RegExp)[]): void {
  let from = 0;
  for (const line of lines) {
    const rest = output.slice(from);
    const match = typeof line === 'string' ? { index: rest.indexOf(line), length: line.length } : (() => {
      const m = rest.match(line);
      return m === null ? { index: -1, length: 0 } : { index: m.index!, length: m[0].length };
    })();
    if (match.index < 0) throw new Error(`expected ${String(line)} after position ${from} in:\n${output}`);
    from += match.index + match.length;
  }
}
