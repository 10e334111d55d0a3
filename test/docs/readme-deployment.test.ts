// The README's Deployment examples run as written (test/docs/deployment-examples.ts holds
// them; this file first checks that the README shows exactly that code), with clients that
// authenticate, are refused, send before the handshake has finished, drop, and a shutdown.
import { readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { type AddressInfo, connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { HOST, rawExchange, upgradeRequest, within, WsClient } from '../helpers/server.js';
import { attachEcho, expressChat, listenServer } from './deployment-examples.js';

const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
const SOURCE = readFileSync(join(__dirname, 'deployment-examples.ts'), 'utf8');
const ATTACH_SOURCE = readFileSync(join(__dirname, '..', '..', 'src', 'observable', 'attach.ts'), 'utf8');

/** The `@example` of the JSDoc before `export function name`, without the comment's ` * `. */
function jsdocExample(source: string, name: string): string {
  const doc = source.slice(0, source.indexOf(`export function ${name}(`));
  const body = doc.slice(doc.lastIndexOf('@example') + '@example'.length, doc.lastIndexOf('*/'));
  return body
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}

/** The code between `// example: name` and `// end example`, with its indentation removed. */
function example(name: string): string {
  const start = SOURCE.indexOf(`// example: ${name}\n`);
  const end = SOURCE.indexOf('// end example', start);
  const lines = SOURCE.slice(SOURCE.indexOf('\n', start) + 1, end).split('\n').slice(0, -1);
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

/** A text frame as a client sends it (masked, with a zero mask). */
function maskedText(text: string): Buffer {
  const payload = Buffer.from(text);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
}

const ORIGIN = { Origin: 'https://chat.example' };

describe('README: Deployment', () => {
  it.each(['express', 'listen-shutdown'])('shows the %s example exactly as it runs here', (name) => {
    expect(README).toContain(example(name));
  });

  it('attach() with Express: page and sockets on one port, token or cookie, refusals, early senders, drops, shutdown', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    const { server, shutdown } = expressChat(0);
    try {
      await within(new Promise((resolve) => server.once('listening', resolve)), 'the app to listen');
      const port = (server.address() as AddressInfo).port;
      const page = await within(
        new Promise<string>((resolve) => httpGet({ host: HOST, port, path: '/' }, (r) => r.setEncoding('utf8').on('data', resolve))),
        'the page',
      );
      expect(page).toContain('chat.js');

      const byQuery = new WsClient(`ws://${HOST}:${port}/ws?token=s3cret`, [], { headers: ORIGIN });
      await byQuery.opened;
      byQuery.ws.send('hi');
      expect(String((await byQuery.next()).data)).toBe('ada: hi');

      const byCookie = new WsClient(`ws://${HOST}:${port}/ws`, [], { headers: { ...ORIGIN, Cookie: 'lang=en; session=s3cret' } });
      await byCookie.opened;

      expect((await rawExchange(port, upgradeRequest('/ws?token=wrong', ORIGIN))).response).toMatch(/^HTTP\/1\.1 401 /);
      expect((await rawExchange(port, upgradeRequest('/ws?token=s3cret', { Origin: 'https://evil.example' }))).response).toMatch(/^HTTP\/1\.1 403 /);
      expect(warn.mock.calls.map(([line]) => String(line).replace(/^refused \S+:/, 'refused:'))).toEqual([
        'refused: 401 (authorize)',
        'refused: 403 (origins)',
      ]);

      // A client that sends its first message in the same packet as its handshake.
      const early = netConnect(port, HOST);
      early.on('error', () => {});
      let received = '';
      early.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      early.write(Buffer.concat([Buffer.from(upgradeRequest('/ws?token=s3cret', ORIGIN)), maskedText('early')]));
      await within(
        (async () => {
          while (!received.includes('ada: early')) await new Promise((resolve) => early.once('data', resolve));
        })(),
        'the echo of the early message',
      );
      expect(received).toMatch(/^HTTP\/1\.1 101 /);
      early.destroy();

      // A client that drops without a close frame: the others go on.
      const dropper = new WsClient(`ws://${HOST}:${port}/ws?token=s3cret`, [], { headers: ORIGIN });
      await dropper.opened;
      dropper.ws.terminate();
      byCookie.ws.send('still here');
      expect(String((await byCookie.next()).data)).toBe('ada: still here');

      const done = shutdown();
      expect(await byQuery.closed).toEqual({ code: 1001, reason: '' });
      expect(await byCookie.closed).toEqual({ code: 1001, reason: '' });
      await within(done, 'the shutdown to finish');
    } finally {
      warn.mockRestore();
      server.closeAllConnections();
      if (server.listening) server.close();
    }
  });

  it('listen() with a graceful shutdown: 503 for newcomers, 1001 for clients, drained, port released', async () => {
    let bound!: (port: number) => void;
    const listening = new Promise<number>((resolve) => (bound = resolve));
    const { shutdown } = listenServer(0, bound);
    const port = await within(listening, 'the server to listen');
    const a = new WsClient(`ws://${HOST}:${port}/`);
    const b = new WsClient(`ws://${HOST}:${port}/`);
    await Promise.all([a.opened, b.opened]);
    a.ws.send('one');
    expect(String((await a.next()).data)).toBe('one');

    const done = shutdown();
    const late = await rawExchange(port, upgradeRequest('/'));
    expect(late.response).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n[\s\S]*Shutting down$/);
    expect(await a.closed).toEqual({ code: 1001, reason: 'Server shutting down' });
    expect(await b.closed).toEqual({ code: 1001, reason: 'Server shutting down' });
    await within(done, 'the shutdown to finish');
    const refused = await rawExchange(port, upgradeRequest('/')); // nothing listens any more
    expect(refused.response).toBe('');
  });

  it("attach()'s JSDoc example runs as written (with port 0): page, echo, a client that drops", async () => {
    expect(jsdocExample(ATTACH_SOURCE, 'attach').replace('app.listen(8080)', 'app.listen(port)')).toBe(example('attach-jsdoc'));
    const server = attachEcho(0);
    try {
      await within(new Promise((resolve) => server.once('listening', resolve)), 'the app to listen');
      const port = (server.address() as AddressInfo).port;
      const dropper = new WsClient(`ws://${HOST}:${port}/ws`);
      await dropper.opened;
      dropper.ws.terminate();
      const client = new WsClient(`ws://${HOST}:${port}/ws`);
      await client.opened;
      client.ws.send('echo me');
      expect(String((await client.next()).data)).toBe('echo me');
      const page = await within(
        new Promise<string>((resolve) => httpGet({ host: HOST, port, path: '/' }, (r) => r.setEncoding('utf8').on('data', resolve))),
        'the page',
      );
      expect(page).toBe('hello');
      server.close();
      expect(await client.closed).toEqual({ code: 1001, reason: '' });
    } finally {
      server.closeAllConnections();
      if (server.listening) server.close();
    }
  });
});
