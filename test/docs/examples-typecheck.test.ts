// The README and JSDoc examples the other tests in this folder run, type-checked as a user's
// TypeScript would check them (strict, the repository's compiler options): running an example
// proves its behaviour, this proves its types (an option name, a generic, a callback's
// parameters). Names an example continues from (`socket`, `render`, …) are declared with the
// types the surrounding text gives them.
import { join } from 'node:path';
import ts from 'typescript';
import { jsdocExample, readmeBlock } from '../helpers/readme.js';

const ROOT = join(__dirname, '..', '..');
const IMPORTS = [
  "import { filter, map, mergeMap, retry, Subject, switchMap, take, tap } from 'rxjs';",
  "import { connect, connection, ConnectionStatus, ErrorCode, fromMultiplayerPeer, fromPeer, heartbeat, json, listen, multiplex, reconnect, request, type RequestError, sendQueue, State, binary, text, WebSocketMultiplayerPeer, WebSocketPeer, type ReconnectAttempt } from 'rxpeer';",
  "import { scriptConnections, scriptRemote } from 'rxpeer/testing';",
].join('\n');
const MARBLES = "declare const testScheduler: import('rxjs/testing').TestScheduler;\ndeclare const S: Record<string, import('rxpeer').State>;";
const OBSERVABLE_PEER = "declare const socket: import('rxpeer').ObservablePeer;";
const CONNECTION = "declare const socket: import('rxpeer').Connection;";
const RENDER = 'declare function render(value: unknown): void;';

const operatorProgram = ['### `reconnect(config)`', '### `connection(connections$, { queue })` and the send queue', '### `multiplex(connection, config)`', '### `request(connection, config)`']
  .map((heading) => readmeBlock(heading, 'import'))
  .join('\n')
  .replace("import { json, request } from 'rxpeer';", "import { request } from 'rxpeer';"); // one file: json is imported by the multiplex block
const examples: Record<string, string> = {
  'README: the peer': readmeBlock('## The peer, Godot-style', 'connectToUrl'),
  'README: fromPeer': readmeBlock('## Streams: `fromPeer`', 'fromPeer(peer)'),
  'README: connect()': readmeBlock('### `connect()`: a cold connection', "connect('ws://"),
  'README: listen()': readmeBlock('### `listen()`: a server of ObservablePeers (Node)', 'listen(9080'),
  'README: decoding': `${OBSERVABLE_PEER}\n${readmeBlock('### Decoding: `text()`, `binary()`, `json<T>()`', 'json<Tick>')}`,
  'README: reconnect → connection → multiplex → request': `${RENDER}\n${operatorProgram}`,
  'README: heartbeat()': readmeBlock('### `heartbeat(config)`', 'heartbeat({'),
  'README: testing reconnecting pipelines': `${MARBLES}\n${readmeBlock('### Testing reconnecting pipelines', 'scriptConnections([')}`,
  'README: testing your pipelines': readmeBlock('## Testing your pipelines (`rxpeer/testing`)', "it('shows the remote close'"),
  'README: TCPServer': readmeBlock('## Servers', 'new TCPServer()'),
  'README: WebSocketServer': readmeBlock('## Servers', 'new WebSocketServer()'),
  'README: WebSocketMultiplayerPeer': readmeBlock('## Multiplayer', 'server.createServer(8080)'),
  'README: fromMultiplayerPeer': readmeBlock('## Multiplayer', 'fromMultiplayerPeer(peer)'),
  'README: createMemoryNetwork': `${MARBLES}\n${readmeBlock('## Multiplayer', 'createMemoryNetwork()')}`,
  'README: the browser page': readmeBlock('## In the browser', "document.querySelector('#log')"),
  'JSDoc: text()': `${IMPORTS}\n${OBSERVABLE_PEER}\n${jsdocExample('src/operators/text.ts', 'text({')}`,
  'JSDoc: binary()': `${IMPORTS}\n${OBSERVABLE_PEER}\n${jsdocExample('src/operators/binary.ts', 'binary({')}`,
  'JSDoc: json()': `${IMPORTS}\n${OBSERVABLE_PEER}\n${jsdocExample('src/operators/json.ts', 'json({')}`,
  'JSDoc: fromPeer()': `${IMPORTS}\n${jsdocExample('src/observable/observable-peer.ts', 'fromPeer(peer)')}`,
  'JSDoc: connect()': `${IMPORTS}\n${jsdocExample('src/observable/connect.ts', 'retry({')}`,
  'JSDoc: listen()': `${IMPORTS}\n${jsdocExample('src/observable/listen.ts', 'listen(8000')}`,
  'JSDoc: heartbeat()': `${IMPORTS}\n${jsdocExample('src/operators/heartbeat.ts', 'heartbeat({')}`,
  'JSDoc: reconnect()': `${IMPORTS}\n${jsdocExample('src/operators/reconnect.ts', 'reconnect({')}`,
  'JSDoc: connection()': `${IMPORTS}\n${RENDER}\ninterface ChatMessage { say: string }\ndeclare function show(message: ChatMessage): void;\n${jsdocExample('src/operators/connection.ts', 'connection(')}`,
  'JSDoc: multiplex()': `${IMPORTS}\n${CONNECTION}\n${RENDER}\ninterface Tick { topic: string; price: number }\ndeclare function log(packet: import('rxpeer').Packet): void;\n${jsdocExample('src/operators/multiplex.ts', 'multiplex(socket')}`,
  'JSDoc: request()': `${IMPORTS}\n${CONNECTION}\n${jsdocExample('src/operators/request.ts', 'request(socket')}`,
  'JSDoc: sendQueue()': `${IMPORTS}\ndeclare const peer: import('rxpeer').WebSocketPeer;\n${jsdocExample('src/operators/send-queue.ts', 'const outbox')}`,
  'JSDoc: connection({ queue: sendQueue() })': `${IMPORTS}\ndeclare const url: string;\ndeclare const metrics: { dropped(reason: string): void };\n${jsdocExample('src/operators/send-queue.ts', 'metrics.dropped')}`,
  'JSDoc: fromMultiplayerPeer()': `${IMPORTS}\n${jsdocExample('src/observable/observable-multiplayer-peer.ts', 'fromMultiplayerPeer(peer)')}`,
  'JSDoc: scriptRemote()': `${IMPORTS}\n${MARBLES}\n${jsdocExample('src/testing/scripted-remote.ts', 'scriptRemote(')}`,
  'JSDoc: scriptConnections()': `${IMPORTS}\n${MARBLES}\n${jsdocExample('src/testing/scripted-connections.ts', 'scriptConnections(')}`,
};

it('every example run by these tests type-checks under the repository’s strict options', () => {
  const { options } = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(String(d.messageText)); } })!;
  // Each example is an ES module of its own (top-level await is allowed); the prepended
  // imports stand for the user's, so unused ones are not an error here.
  const files = new Map(Object.entries(examples).map(([name, code], i) => [join(ROOT, 'test', 'docs', `example-${i}.mts`), { name, code: `${code}\nexport {};\n` }]));
  const host = ts.createCompilerHost({ ...options, noUnusedLocals: false, noEmit: true });
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (file) => files.has(file) || fileExists(file);
  host.readFile = (file) => files.get(file)?.code ?? readFile(file);
  host.getSourceFile = (file, language, ...rest) => {
    const example = files.get(file);
    return example ? ts.createSourceFile(file, example.code, language) : getSourceFile(file, language, ...rest);
  };
  const program = ts.createProgram([...files.keys()], { ...options, noUnusedLocals: false, noEmit: true }, host);
  const problems = [...files.keys()].flatMap((file) =>
    ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => {
      const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      const line = where ? files.get(d.file!.fileName)?.code.split('\n')[where.line] : '';
      return `${files.get(d.file?.fileName ?? '')?.name ?? d.file?.fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}\n    ${line?.trim()}`;
    }),
  );
  expect(problems).toEqual([]);
}, 60_000);
