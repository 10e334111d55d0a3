import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every file under `dir`, by URL path (`/index.html`, `/assets/x.js`), as text. */
export function readTree(dir: string, root = dir): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) Object.assign(files, readTree(path, root));
    else files[`/${relative(root, path)}`] = readFileSync(path, 'utf8');
  }
  return files;
}
