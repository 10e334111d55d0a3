// attach(): WebSocket clients on an existing HTTP(S) server, end to end: a real Express 5
// app, plain node:http and https, page and socket on one port.
import { once } from 'node:events';
import { createServer, get as httpGet, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { lastValueFrom, mergeMap, type Observable, type Subscription, tap, toArray } from 'rxjs';
import WebSocket, { WebSocketServer } from 'ws';
import { attach, connect, type ObservablePeer, type RefusedHandshake } from 'rxpeer';
import { HOST, makeCertificate, rawExchange, removeCertificate, upgradeRequest, within, WsClient } from '../helpers/server.js';

const subscriptions: Subscription[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const s of subscriptions.splice(0)) s.unsubscribe();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  }
});

async function listening<S extends Server>(server: S): Promise<number> {
  servers.push(server);
  if (!server.listening) {
    server.listen(0, HOST);
    await within(once(server, 'listening'), 'the HTTP server to listen');
  }
  return (server.address() as AddressInfo).port;
}

/** Echoes every client of `clients$`; returns the clients seen. */
function echo(clients$: Observable<ObservablePeer>): { clients: ObservablePeer[]; done: Promise<ObservablePeer[]> } {
  const clients: ObservablePeer[] = [];
  const done = lastValueFrom(
    clients$.pipe(
      tap((client) => clients.push(client)),
      mergeMap((client) => client.packets$.pipe(tap((p) => client.send(p.text ?? p.data)))),
      toArray(),
    ),
  ).then(() => clients);
  done.catch(() => {});
  return { clients, done };
}

function page(port: number, path: string): Promise<{ status: number; body: string }> {
  return within(
    new Promise((resolve, reject) => {
      httpGet({ host: HOST, port, path }, (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      }).on('error', reject);
    }),
    `GET ${path}`,
  );
}

const echoes = (url: string, options: WebSocket.ClientOptions = {}): Promise<WsClient> => new WsClient(url, [], options).echoes();

describe('attach() with Express 5', () => {
  it('serves the page and the socket on one port; server.close() closes clients with 1001 and completes', async () => {
    const app = express();
    app.get('/', (_request, response) => {
      response.send('<h1>chat</h1>');
    });
    const server = app.listen(0, HOST);
    const port = await listening(server);
    const { clients, done } = echo(attach(server, { path: '/ws' }));

    expect(await page(port, '/')).toEqual({ status: 200, body: '<h1>chat</h1>' });
    const client = await echoes(`ws://${HOST}:${port}/ws?room=1`);
    expect(clients).toHaveLength(1);
    expect(clients[0]!.request!.url).toBe('/ws?room=1');
    expect(clients[0]!.peer.getRequestedUrl()).toBe(`ws://${HOST}:${port}/ws?room=1`);
    expect(await page(port, '/')).toEqual({ status: 200, body: '<h1>chat</h1>' }); // the app still answers

    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    expect(await client.closed).toEqual({ code: 1001, reason: '' });
    await within(done, 'the stream to complete');
    await within(closed, "the server's close to finish");
  });

  it('authorizes with a token in the query or a cookie, and refuses others with 401', async () => {
    const app = express();
    app.get('/', (_request, response) => {
      response.cookie('session', 's3cret').send('ok');
    });
    const server = app.listen(0, HOST);
    const port = await listening(server);
    const refused: RefusedHandshake[] = [];
    const { clients } = echo(
      attach(server, {
        path: '/ws',
        onRefused: (r) => refused.push(r),
        authorize: (request) => {
          const token = new URL(request.url, 'http://localhost').searchParams.get('token');
          const cookie = /(?:^|;\s*)session=([^;]*)/.exec(request.headers.cookie ?? '')?.[1];
          if (token === 'abc') return { accept: true, context: { via: 'query' } };
          if (cookie === 's3cret') return { accept: true, context: { via: 'cookie' } };
          return false;
        },
      }),
    );
    const byQuery = await echoes(`ws://${HOST}:${port}/ws?token=abc`);
    const byCookie = await echoes(`ws://${HOST}:${port}/ws`, { headers: { Cookie: 'theme=dark; session=s3cret' } });
    expect(clients.map((c) => c.context)).toEqual([{ via: 'query' }, { via: 'cookie' }]);
    const { response } = await rawExchange(port, upgradeRequest('/ws?token=wrong'));
    expect(response).toMatch(/^HTTP\/1\.1 401 Unauthorized\r\n[\s\S]*\r\n\r\nUnauthorized$/);
    expect(refused.map((r) => [r.status, r.request.url])).toEqual([[401, '/ws?token=wrong']]);
    byQuery.ws.close();
    byCookie.ws.close();
    await Promise.all([byQuery.closed, byCookie.closed]);
  });
});

describe('attach() with node:http', () => {
  it('leaves other paths to other upgrade listeners, and answers 404 when there is none', async () => {
    const server = createServer((_request, response) => response.end('page'));
    const port = await listening(server);
    echo(attach(server, { path: '/ws' }));
    expect((await rawExchange(port, upgradeRequest('/elsewhere'))).response).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);

    // Another WebSocket server on the same HTTP server takes /other.
    const other = new WebSocketServer({ noServer: true });
    server.on('upgrade', (request, socket, head) => {
      if (request.url === '/other') other.handleUpgrade(request, socket, head, (ws) => ws.send('from the other server'));
    });
    const otherClient = new WsClient(`ws://${HOST}:${port}/other`);
    expect(String((await otherClient.next()).data)).toBe('from the other server');
    const ours = await echoes(`ws://${HOST}:${port}/ws`);
    otherClient.ws.close();
    ours.ws.close();
    await Promise.all([otherClient.closed, ours.closed]);
    other.close();
  });

  it('with rxpeer clients on both ends, and the HTTP server keeps running after unsubscribe', async () => {
    const server = createServer((_request, response) => response.end('page'));
    const port = await listening(server);
    const { clients } = echo(attach(server));
    const subscription = connect(`ws://${HOST}:${port}/any/path`).subscribe({ error: () => {} });
    subscriptions.push(subscription);
    await within(
      (async () => {
        while (clients.length === 0) await new Promise((resolve) => setImmediate(resolve));
      })(),
      'the client to be accepted',
    );
    subscriptions.splice(0).forEach((s) => s.unsubscribe());
    expect(await page(port, '/')).toEqual({ status: 200, body: 'page' });
  });

  it('checks its arguments at the call', () => {
    expect(() => attach({} as never)).toThrow(/server must be an http.Server/);
    const server = createServer();
    expect(() => attach(server, { path: 'ws' })).toThrow(/path must be a string starting with "\/"/);
    expect(() => attach(server, { maxConnections: -1 })).toThrow(/maxConnections must be an integer ≥ 1/);
  });
});

describe('attach() with node:https', () => {
  const certificate = makeCertificate();
  afterAll(() => removeCertificate(certificate));

  it('serves wss:// on the https server', async () => {
    const server = createHttpsServer({ key: certificate.key, cert: certificate.cert }, (_request, response) => response.end('secure page'));
    const port = await listening(server as unknown as Server);
    const { clients } = echo(attach(server, { path: '/ws' }));
    const client = await echoes(`wss://localhost:${port}/ws`, { ca: certificate.cert });
    expect(clients[0]!.peer.getRequestedUrl()).toBe(`wss://localhost:${port}/ws`);
    client.ws.close();
    await client.closed;
  });
});
