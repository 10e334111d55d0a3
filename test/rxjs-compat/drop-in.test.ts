// "Changing the import path is the whole migration", in Node: app/chat-app.ts, written
// against rxjs/webSocket, runs unchanged on RxJS 7.8 and with that import swapped for
// rxpeer/rxjs-compat, and sees the same things. RxJS needs a global WebSocket (Node 20 has
// none: the app's host installs ws as one); rxpeer runs without.
import WebSocket from 'ws';
import type { TestServer } from '../helpers/ws-server.js';
import { CHAT_APP_LOG, startChatServer } from './support/chat-server.js';

type RunChatApp = typeof import('./app/chat-app.js').runChatApp;

let server: TestServer;
beforeEach(async () => (server = await startChatServer()));
afterEach(() => server.close());


const baseUrl = (): string => `ws://127.0.0.1:${server.port}`;

function loadApp(swapped: boolean): RunChatApp {
  let runChatApp!: RunChatApp;
  jest.isolateModules(() => {
    if (swapped) jest.doMock('rxjs/webSocket', () => jest.requireActual('rxpeer/rxjs-compat'));
    ({ runChatApp } = require('./app/chat-app.js') as typeof import('./app/chat-app.js'));
  });
  return runChatApp;
}

it('runs on RxJS 7.8 with a global WebSocket (the reference)', async () => {
  const global = globalThis as { WebSocket?: unknown };
  global.WebSocket = WebSocket;
  try {
    expect(await loadApp(false)(baseUrl())).toEqual(CHAT_APP_LOG);
  } finally {
    delete global.WebSocket;
  }
});

it('runs unchanged on rxpeer/rxjs-compat, without a global WebSocket', async () => {
  expect((globalThis as { WebSocket?: unknown }).WebSocket).toBeUndefined();
  expect(await loadApp(true)(baseUrl())).toEqual(CHAT_APP_LOG);
});
