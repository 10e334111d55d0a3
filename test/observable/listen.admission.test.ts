// listen()'s admission rules over real sockets: every refusal is a proper HTTP response
// (status line, headers and body read by a raw TCP client), reported to onRefused, and
// leaves the clients already connected alone.
import { connect as netConnect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { config, firstValueFrom, mergeMap, type Subscription, tap } from 'rxjs';
import { listen, type ListenOptions, type ObservablePeer, type RefusedHandshake, State, type UpgradeRequest } from 'rxpeer';
import { HOST, rawConnect, rawExchange, upgradeRequest, within, WsClient } from '../helpers/server.js';

const subscriptions: Subscription[] = [];
afterEach(() => {
  for (const s of subscriptions.splice(0)) s.unsubscribe();
});

/** An echo server on 127.0.0.1:0 with `options`; every client and refusal it saw. */
async function server(options: ListenOptions = {}) {
  const clients: ObservablePeer[] = [];
  const refused: RefusedHandshake[] = [];
  let bound!: (port: number) => void;
  const port = new Promise<number>((resolve) => (bound = resolve));
  subscriptions.push(
    listen(0, { bindAddress: HOST, onRefused: (r) => refused.push(r), ...options, onListening: bound })
      .pipe(
        tap((client) => clients.push(client)),
        mergeMap((client) => client.packets$.pipe(tap((p) => client.send(p.text ?? p.data)))),
      )
      .subscribe(),
  );
  return { port: await within(port, 'the server to listen'), clients, refused };
}

/** Resolves once the server side of `client` is CLOSED. */
const serverSideClosed = (client: ObservablePeer) => within(firstValueFrom(client.close$), 'the server side to close');

/** Status line, lower-cased headers and body of an HTTP response. */
function parse(response: string): { status: string; headers: Record<string, string>; body: string } {
  const [head = '', body = ''] = response.split('\r\n\r\n');
  const [status = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status, headers, body };
}

async function refusal(port: number, path = '/', headers: Record<string, string | null> = {}) {
  const { response, closed } = await rawExchange(port, upgradeRequest(path, headers));
  expect(closed).toBe(true);
  return parse(response);
}

const echoes = (port: number, path = '/', headers: Record<string, string> = {}): Promise<WsClient> =>
  new WsClient(`ws://${HOST}:${port}${path}`, [], { headers }).echoes();

describe('listen(): authorize', () => {
  it('false → 401, with a body, and nothing emitted', async () => {
    const { port, clients, refused } = await server({ authorize: () => false });
    const { status, headers, body } = await refusal(port, '/chat?token=nope');
    expect(status).toBe('HTTP/1.1 401 Unauthorized');
    expect(headers['content-length']).toBe(String(body.length));
    expect(body).toBe('Unauthorized');
    expect(clients).toHaveLength(0);
    expect(refused).toEqual([expect.objectContaining({ status: 401, message: 'Unauthorized', by: 'authorize' })]);
    expect(refused[0]!.request.url).toBe('/chat?token=nope');
  });

  it('{ status, message } → that status and body; { accept, context } → client.context; the request is exposed', async () => {
    const seen: UpgradeRequest[] = [];
    const { port, clients } = await server({
      authorize: async (request) => {
        seen.push(request);
        const token = new URL(request.url, 'http://x').searchParams.get('token');
        if (token === 'secret') return { accept: true, context: { user: 'ada' } };
        return { status: 403, message: `bad token ${token}` };
      },
    });
    const { status, body } = await refusal(port, '/chat?token=guess');
    expect(status).toBe('HTTP/1.1 403 Forbidden');
    expect(body).toBe('bad token guess');

    const client = await echoes(port, '/chat?token=secret', { Cookie: 'a=1', 'X-Custom': 'yes' });
    expect(clients).toHaveLength(1);
    expect(clients[0]!.context).toEqual({ user: 'ada' });
    const request = clients[0]!.request!;
    expect(request.url).toBe('/chat?token=secret');
    expect(request.headers['x-custom']).toBe('yes');
    expect(request.headers.cookie).toBe('a=1');
    expect(request.remoteAddress).toMatch(/127\.0\.0\.1/);
    expect(request.remotePort).toBeGreaterThan(0);
    expect(request.protocols).toEqual([]);
    expect(seen.map((r) => r.url)).toEqual(['/chat?token=guess', '/chat?token=secret']);
    client.ws.close();
    await client.closed;
  });

  it('a throwing or rejecting authorize → 500, and the server goes on', async () => {
    let calls = 0;
    const { port, refused } = await server({
      authorize: (request) => {
        calls++;
        if (request.url === '/throw') throw new Error('boom');
        if (request.url === '/reject') return Promise.reject(new Error('later boom'));
        if (request.url === '/nonsense') return { status: 200 } as never;
        return true;
      },
    });
    expect((await refusal(port, '/throw')).status).toBe('HTTP/1.1 500 Internal Server Error');
    expect((await refusal(port, '/reject')).status).toBe('HTTP/1.1 500 Internal Server Error');
    const nonsense = await refusal(port, '/nonsense');
    expect(nonsense.status).toBe('HTTP/1.1 500 Internal Server Error');
    expect(nonsense.body).toBe('authorize returned an invalid verdict');
    expect(refused.map((r) => [r.status, r.by, (r.error as Error | undefined)?.message])).toEqual([
      [500, 'authorize', 'boom'],
      [500, 'authorize', 'later boom'],
      [500, 'authorize', undefined],
    ]);
    (await echoes(port, '/fine')).ws.close();
    expect(calls).toBe(4);
  });

  it('hostile hooks: a Proxy verdict, a throwing origins function and a throwing onRefused never stop the server', async () => {
    const hostile = new Proxy({}, { get: () => { throw new Error('gotcha'); } });
    const unhandled: unknown[] = [];
    config.onUnhandledError = (error) => unhandled.push(error);
    try {
      const { port } = await server({
        origins: (origin) => {
          if (origin === 'https://throw.example') throw new Error('origins broke');
          return true;
        },
        authorize: (request) => (request.url === '/proxy' ? (hostile as never) : true),
        onRefused: () => {
          throw new Error('logging broke');
        },
      });
      expect((await refusal(port, '/proxy')).status).toBe('HTTP/1.1 500 Internal Server Error');
      expect((await refusal(port, '/', { Origin: 'https://throw.example' })).status).toBe('HTTP/1.1 500 Internal Server Error');
      expect(unhandled.map((e) => (e as Error).message)).toEqual(['logging broke', 'logging broke']);
      (await echoes(port, '/fine')).ws.close();
    } finally {
      config.onUnhandledError = null;
    }
  });

  it('a slow authorize counts against handshakeTimeout: the connection is dropped without a response', async () => {
    let answer!: (verdict: boolean) => void;
    const { port, clients } = await server({ handshakeTimeout: 200, authorize: () => new Promise<boolean>((resolve) => (answer = resolve)) });
    const { response, closed } = await rawExchange(port, upgradeRequest('/'));
    expect(closed).toBe(true);
    expect(response).toBe('');
    answer(true); // too late: nothing happens
    expect(clients).toHaveLength(0);
  });

  it('refusal headers from authorize go out, and unsafe ones are refused with 500', async () => {
    const { port } = await server({
      authorize: (request) =>
        request.url === '/bad'
          ? { status: 429, headers: { 'Retry-After': '1\r\nX-Injected: 1' } }
          : { status: 429, message: 'slow down', headers: { 'Retry-After': '30' } },
    });
    const good = await refusal(port, '/good');
    expect(good.status).toBe('HTTP/1.1 429 Too Many Requests');
    expect(good.headers['retry-after']).toBe('30');
    expect(good.body).toBe('slow down');
    const bad = await refusal(port, '/bad');
    expect(bad.status).toBe('HTTP/1.1 500 Internal Server Error');
    expect(bad.headers['x-injected']).toBeUndefined();
  });
});

describe('listen(): a client that sends before the verdict', () => {
  it('keeps frames that arrive while an async authorize decides, and delivers them once accepted', async () => {
    const { port } = await server({ authorize: () => new Promise((resolve) => setTimeout(() => resolve(true), 50)) });
    const socket = netConnect(port, HOST);
    socket.on('error', () => {});
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    const frame = Buffer.concat([Buffer.from([0x81, 0x85, 0, 0, 0, 0]), Buffer.from('early')]);
    socket.write(Buffer.concat([Buffer.from(upgradeRequest('/')), frame]));
    await within(
      (async () => {
        while (!received.includes('early')) await new Promise((resolve) => socket.once('data', resolve));
      })(),
      'the echo of the early message',
    );
    expect(received).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n[\s\S]*\r\n\r\n\x81\x05early$/);
    socket.destroy();
  });
});

describe('listen(): origins', () => {
  it('a list: listed origins pass, others and none get 403', async () => {
    const { port, refused } = await server({ origins: ['https://app.example'] });
    const other = await refusal(port, '/', { Origin: 'https://evil.example' });
    expect(other.status).toBe('HTTP/1.1 403 Forbidden');
    expect(other.body).toBe('Origin not allowed');
    expect((await refusal(port, '/')).status).toBe('HTTP/1.1 403 Forbidden');
    expect(refused.map((r) => [r.by, r.request.origin])).toEqual([
      ['origins', 'https://evil.example'],
      ['origins', undefined],
    ]);
    const client = await echoes(port, '/', { Origin: 'https://app.example' });
    client.ws.close();
  });

  it('a function sees the origin (undefined when none was sent)', async () => {
    const { port } = await server({ origins: (origin) => origin === undefined || origin.endsWith('.example') });
    (await echoes(port)).ws.close();
    (await echoes(port, '/', { Origin: 'https://a.example' })).ws.close();
    expect((await refusal(port, '/', { Origin: 'https://a.test' })).status).toBe('HTTP/1.1 403 Forbidden');
  });
});

describe('listen(): connection limits', () => {
  it('maxConnections → 503 with Retry-After; a slot frees when a client leaves', async () => {
    const { port, clients, refused } = await server({ maxConnections: 2 });
    const a = await echoes(port);
    const b = await echoes(port);
    const full = await refusal(port);
    expect(full.status).toBe('HTTP/1.1 503 Service Unavailable');
    expect(full.headers['retry-after']).toBe('5');
    expect(full.body).toBe('Too many connections');
    expect(refused.map((r) => r.by)).toEqual(['maxConnections']);
    a.ws.close();
    await a.closed;
    await serverSideClosed(clients[0]!);
    const c = await echoes(port);
    b.ws.close();
    c.ws.close();
    await Promise.all([b.closed, c.closed]);
  });

  it('maxConnectionsPerAddress → 503 for that address only', async () => {
    const { port, refused } = await server({ maxConnectionsPerAddress: 1 });
    const a = await echoes(port);
    const full = await refusal(port);
    expect(full.status).toBe('HTTP/1.1 503 Service Unavailable');
    expect(full.headers['retry-after']).toBe('5');
    expect(refused.map((r) => [r.by, r.request.remoteAddress])).toEqual([['maxConnectionsPerAddress', expect.stringMatching(/127\.0\.0\.1/)]]);
    a.ws.send('still here');
    expect(String((await a.next()).data)).toBe('still here');
    a.ws.close();
  });
});

describe('listen(): a flood of refused clients', () => {
  it('serves a good client, already connected and newly arriving, while 200 bad ones are refused', async () => {
    const { port, clients, refused } = await server({
      authorize: (request) => request.headers.authorization === 'Bearer good',
    });
    const good = await echoes(port, '/', { Authorization: 'Bearer good' });
    const flood = Array.from({ length: 200 }, () => refusal(port, '/', { Authorization: 'Bearer bad' }));
    const late = echoes(port, '/', { Authorization: 'Bearer good' });
    for (let i = 0; i < 20; i++) {
      good.ws.send(`m${i}`);
      expect(String((await good.next()).data)).toBe(`m${i}`);
    }
    const statuses = new Set((await Promise.all(flood)).map((r) => r.status));
    expect([...statuses]).toEqual(['HTTP/1.1 401 Unauthorized']);
    const second = await late;
    expect(refused).toHaveLength(200);
    expect(clients).toHaveLength(2);
    expect(clients.every((c) => c.peer.getReadyState() === State.OPEN)).toBe(true);
    good.ws.close();
    second.ws.close();
    await Promise.all([good.closed, second.closed]);
  });
});

describe('listen(): options are checked at the call', () => {
  it.each([
    [{ authorize: 1 }, /authorize must be a function/],
    [{ origins: 'https://a' }, /origins must be an array of strings or a function/],
    [{ maxConnections: 0 }, /maxConnections must be an integer ≥ 1/],
    [{ maxConnectionsPerAddress: 1.5 }, /maxConnectionsPerAddress must be an integer ≥ 1/],
    [{ onRefused: 'log' }, /onRefused must be a function/],
    [{ handshakeTimeout: 2 ** 31 }, /handshakeTimeout must be at most 2147483647 ms/],
    [{ handshakeTimout: 10 }, /unknown option "handshakeTimout" \(did you mean "handshakeTimeout"\?\)/],
    [{ bindAddress: 'nonsense' }, /bindAddress must be "\*" or an IPv4\/IPv6 address/],
    [{ perMessageDeflate: { threshold: -1 } }, /perMessageDeflate must be a boolean/],
  ])('%p', (options, message) => {
    expect(() => listen(0, options as never)).toThrow(message);
  });
});

describe('listen(): memory', () => {
  it('releases a peer once its handshake ended, not at the handshake deadline', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { port, clients } = await server({ handshakeTimeout: 60_000 });
    for (let i = 0; i < 5; i++) {
      const client = await echoes(port);
      client.ws.close();
      await client.closed;
    }
    await Promise.all(clients.map(serverSideClosed));
    const refs = clients.splice(0).map((c) => new WeakRef(c.peer));
    // Let the poll loops and close callbacks of the last turn finish before collecting.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(refs.filter((r) => r.deref() !== undefined)).toHaveLength(0);
  });
});

describe('listen(): raw sockets that never send', () => {
  it('are dropped at the handshake timeout without touching the limits', async () => {
    const { port } = await server({ handshakeTimeout: 200, maxConnections: 1 });
    const idle = await rawConnect(port);
    const client = await echoes(port);
    await within(new Promise((resolve) => idle.once('close', resolve)), 'the idle socket to be dropped');
    client.ws.close();
  });
});
