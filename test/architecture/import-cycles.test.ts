// The house has no import cycles, type-only imports included (a cycle of types still ties
// the files into one unit), and the folders of src/peer depend in one direction only.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve(__dirname, '../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Relative imports and re-exports of each file, as paths under src. */
function graph(): Map<string, string[]> {
  const edges = new Map<string, string[]>();
  for (const file of files(SRC)) {
    const text = readFileSync(file, 'utf8');
    const targets: string[] = [];
    for (const match of text.matchAll(/(?:import|export)\s[^;]*?from\s+'((?:\.{1,2}\/|#)[^']+)'|import\('(\.{1,2}\/[^']+)'\)/g)) {
      const spec = (match[1] ?? match[2])!;
      // "#platform" and "#server-platform": package.json "imports", the Node modules here.
      if (spec.startsWith('#')) targets.push(`peer/${spec.slice(1)}.ts`);
      else targets.push(relative(SRC, resolve(dirname(file), spec.replace(/\.js$/, '.ts'))));
    }
    edges.set(relative(SRC, file), targets);
  }
  return edges;
}

function cycles(edges: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of edges.keys()) if (!state.has(node)) visit(node);
  return found;
}

it('has no import cycles between files', () => {
  expect(cycles(graph()).map((cycle) => cycle.join(' → '))).toEqual([]);
});

it('has no cycles between sibling folders (src/peer/multiplayer, godot3, node, …; barrels aside)', () => {
  const folders = new Map<string, Set<string>>();
  const parentOf = (folder: string): string => dirname(folder);
  for (const [file, targets] of graph()) {
    if (file.endsWith('index.ts') || file.endsWith('index.browser.ts')) continue;
    const from = dirname(file);
    const list = folders.get(from) ?? new Set<string>();
    for (const target of targets) {
      const to = dirname(target);
      // A folder leans on its parent's core files (constants, the peer); only siblings may not lean both ways.
      if (to !== from && to !== parentOf(from) && from !== parentOf(to)) list.add(to);
    }
    folders.set(from, list);
  }
  const edges = new Map([...folders].map(([folder, set]) => [folder, [...set]]));
  expect(cycles(edges).map((cycle) => cycle.join(' → '))).toEqual([]);
});

it('keeps the client free of servers: the core peer does not load the TCP listener or the Godot-named servers', () => {
  const edges = graph();
  const reached = new Set<string>();
  const walk = (file: string): void => {
    if (reached.has(file)) return;
    reached.add(file);
    for (const next of edges.get(file) ?? []) walk(next);
  };
  walk('peer/websocket-peer.ts');
  const servers = [...reached].filter((file) => /node\/(tcp-server|tcp-listener)\.ts$|godot3\/websocket-server\.ts$|multiplayer\//.test(file));
  expect(servers).toEqual([]);
});
