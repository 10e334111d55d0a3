// What a browser bundle must not contain: Node built-ins, ws, Buffer, require(), the Node transport.

/** One line per file and leftover found in `files` (URL path → contents; only .js files are read). */
export function nodeLeftovers(files: Record<string, string>): string[] {
  const found: string[] = [];
  const nodeModule = /(\brequire\(|\bfrom|\bimport\(?)\s*["'](node:[\w/]+|ws|net|tls|http|https|stream|events|crypto|zlib|url|buffer)["']/;
  for (const [path, code] of Object.entries(files)) {
    if (!path.endsWith('.js')) continue;
    for (const pattern of [/\bBuffer\b/, /\brequire\(/, nodeModule, /\bcreateSecureContext\b|\bcreateServer\(/]) {
      const match = pattern.exec(code);
      if (match !== null) found.push(`${path} matches ${pattern}: …${code.slice(Math.max(0, match.index - 60), match.index + 60)}…`);
    }
  }
  return found;
}
