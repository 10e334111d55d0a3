// `redis` is an optional peer dependency: the root package never loads it, and
// rxpeer/redis is the only entry that needs it (checked on a built package, as an app sees it).
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { useBuiltPackage } from '../helpers/built-package.js';

const pkg = useBuiltPackage();

const node = async (args: string[]): Promise<string> =>
  (await promisify(execFile)(process.execPath, args, { cwd: pkg.built.root })).stdout.trim();

describe('rxpeer/redis as an optional peer dependency', () => {
  it('rxpeer/redis loads redis (CommonJS and ES modules); the root package does not', async () => {
    const loaded = `Object.keys(require.cache).filter((k) => /node_modules[\\\\/](redis|@redis)[\\\\/]/.test(k)).length`;
    expect(await node(['-e', `require('rxpeer'); console.log(${loaded})`])).toBe('0');
    expect(await node(['-e', `const r = require('rxpeer/redis'); console.log(typeof r.redisBus, ${loaded} > 0)`])).toBe('function true');
    expect(await node(['--input-type=module', '-e', `const r = await import('rxpeer/redis'); console.log(typeof r.redisBus)`])).toBe('function');
  });

  it('without redis installed, rxpeer works and rxpeer/redis says what is missing', async () => {
    rmSync(join(pkg.built.root, 'node_modules', 'redis'));
    rmSync(join(pkg.built.root, 'node_modules', '@redis'));
    expect(await node(['--input-type=module', '-e', `const r = await import('rxpeer'); console.log(typeof r.createHub)`])).toBe('function');
    expect(await node(['-e', `console.log(typeof require('rxpeer').createHub)`])).toBe('function');
    await expect(node(['-e', `require('rxpeer/redis')`])).rejects.toThrow(/Cannot find module 'redis'/);
  });
});
