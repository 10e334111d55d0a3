// The server runChatApp talks to, on 127.0.0.1 port 0: /chat answers join, say, sub and bye;
// /drop drops the connection on the first message.
import { startServer, type TestServer } from '../../helpers/ws-server.js';

export function startChatServer(): Promise<TestServer> {
  return startServer({
    ws: { handleProtocols: (protocols) => (protocols.has('chat.v1') ? 'chat.v1' : false) },
    onConnection: ({ ws, request }) => {
      ws.on('message', (data: Buffer) => {
        if (request.url === '/drop') {
          ws.terminate();
          return;
        }
        const message = JSON.parse(data.toString()) as { type: string; name?: string; text?: string; topic?: string };
        const reply = (value: unknown): void => ws.send(JSON.stringify(value));
        if (message.type === 'join') reply({ type: 'joined', name: message.name });
        else if (message.type === 'say') reply({ type: 'said', text: message.text });
        else if (message.type === 'sub') for (const n of [1, 2]) reply({ type: 'news', topic: message.topic, n });
        else if (message.type === 'bye') ws.close(4001, 'see you');
      });
    },
  });
}

/** What runChatApp returns, on RxJS and on rxpeer alike. */
export const CHAT_APP_LOG = [
  'open',
  'received joined',
  'received said',
  'received said',
  'said: hello world',
  'received news',
  'received news',
  'news: 1,2',
  'close event, clean: true',
  'ended: complete',
  'flaky: error close 1006 clean: false',
];
