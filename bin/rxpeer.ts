#!/usr/bin/env node
// rxpeer: a WebSocket server (echo or Godot's websocket_chat demo) and an interactive
// client in the spirit of wscat, both polling rxpeer's Godot-style peers every frame.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { describeUrlProblem, ErrorCode, State, TLSOptions, WebSocketPeer, WebSocketServer, WriteMode } from 'rxpeer';

const USAGE = `Usage:
  rxpeer serve [--port N] [--bind ADDRESS] [--protocol P]... [--echo | --chat]
               [--tls-key FILE --tls-cert FILE]
  rxpeer connect URL [--protocol P]... [--header "Name: value"]...
               [--ca FILE | --insecure] [--wait SECONDS]
  rxpeer --help

serve    A WebSocket server. --echo (the default) sends every message back; --chat
         relays "[id] connected", "[id] Says: msg" and "[id] disconnected" to the
         other clients, as Godot's websocket_chat demo. --port 9080 and --bind *
         (every interface) by default; port 0 picks a free port. With a PEM key and
         certificate it serves wss://. Ctrl-C closes every client with 1001 and stops.
connect  An interactive client. Each line of input is sent as a text message; messages
         received are printed on stdout ("< ..."), connection states and the close
         code and reason on stderr ("* ..."). Ctrl-C or the end of input closes with
         1000 (--wait keeps the connection open that many seconds after the end of
         input). --ca trusts a PEM certificate; --insecure skips verification.

Exit status: 0 after a clean close, 1 after a failure, 2 for invalid arguments.
`;

const FRAME_MS = 16;
const CLOSE_GRACE_MS = 5000;
const decoder = new TextDecoder();
const nextFrame = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, FRAME_MS));

class UsageError extends Error {}

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

function status(line: string): void {
  process.stderr.write(`* ${line}\n`);
}

// ---- arguments ----

interface ServeOptions {
  port: number;
  bind: string;
  protocols: string[];
  mode: 'echo' | 'chat';
  tls: { key: Buffer; cert: Buffer } | null;
}

interface ConnectOptions {
  url: string;
  protocols: string[];
  headers: string[];
  tls: TLSOptions | undefined;
  waitMs: number;
}

/** Runs node's parseArgs, turning its complaints into usage errors. */
function parse<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function readPem(file: string, option: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UsageError(`${option}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function parseServe(args: string[]): ServeOptions {
  const { values, positionals } = parse(() =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        bind: { type: 'string' },
        protocol: { type: 'string', multiple: true },
        echo: { type: 'boolean' },
        chat: { type: 'boolean' },
        'tls-key': { type: 'string' },
        'tls-cert': { type: 'string' },
      },
    }),
  );
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
  const port = values.port ?? '9080';
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) throw new UsageError(`--port: not a port number: ${port}`);
  if (values.echo && values.chat) throw new UsageError('--echo and --chat exclude each other');
  const key = values['tls-key'];
  const cert = values['tls-cert'];
  if ((key === undefined) !== (cert === undefined)) throw new UsageError('--tls-key and --tls-cert go together');
  return {
    port: Number(port),
    bind: values.bind ?? '*',
    protocols: values.protocol ?? [],
    mode: values.chat ? 'chat' : 'echo',
    tls: key !== undefined && cert !== undefined ? { key: readPem(key, '--tls-key'), cert: readPem(cert, '--tls-cert') } : null,
  };
}

function parseConnect(args: string[]): ConnectOptions {
  const { values, positionals } = parse(() =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        protocol: { type: 'string', multiple: true },
        header: { type: 'string', multiple: true },
        ca: { type: 'string' },
        insecure: { type: 'boolean' },
        wait: { type: 'string' },
      },
    }),
  );
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'connect: URL missing' : 'connect: one URL only');
  if (values.ca !== undefined && values.insecure) throw new UsageError('--ca and --insecure exclude each other');
  const wait = Number(values.wait ?? '0');
  if (!Number.isFinite(wait) || wait < 0) throw new UsageError(`--wait: not a number of seconds: ${values.wait}`);
  let tls: TLSOptions | undefined;
  if (values.insecure) tls = TLSOptions.clientUnsafe();
  else if (values.ca !== undefined) tls = TLSOptions.client({ trustedCa: readPem(values.ca, '--ca') });
  return { url: positionals[0]!, protocols: values.protocol ?? [], headers: values.header ?? [], tls, waitMs: wait * 1000 };
}

// ---- serve ----

function describe(packet: Uint8Array, isText: boolean): string {
  return isText ? decoder.decode(packet) : `(binary, ${packet.byteLength} bytes) ${hex(packet)}`;
}

function hex(bytes: Uint8Array): string {
  const shown = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 32)).toString('hex');
  return bytes.byteLength > 32 ? `${shown}…` : shown;
}

async function serve(options: ServeOptions): Promise<number> {
  const server = new WebSocketServer();
  server.bindIp = options.bind;
  if (options.tls !== null) {
    server.privateKey = options.tls.key;
    server.sslCertificate = options.tls.cert;
  }
  const listened = server.listen(options.port, options.protocols);
  if (listened === ErrorCode.ERR_INVALID_PARAMETER) throw new UsageError('invalid --bind address, --protocol or TLS key/certificate');
  const bound = listened === ErrorCode.OK ? await server.ready() : listened;
  if (bound !== ErrorCode.OK) {
    process.stderr.write(`rxpeer: cannot listen on port ${options.port}: ${ErrorCode[bound]}\n`);
    return 1;
  }
  const scheme = options.tls !== null ? 'wss' : 'ws';
  out(`Listening on port ${server.getLocalPort()} (${scheme}, ${options.mode}). Press Ctrl-C to stop.`);

  const clients = new Set<number>();
  const relay = (from: number, text: string): void => {
    for (const id of clients) if (id !== from) server.getPeer(id)?.sendText(text);
  };
  server.on('client_connected', (id, protocol) => {
    clients.add(id);
    out(`Client ${id} connected from ${server.getPeerAddress(id)} with protocol: ${protocol}`);
    if (options.mode === 'chat') relay(id, `[${id}] connected`);
  });
  server.on('client_close_request', (id, code, reason) => out(`Client ${id} disconnecting with code: ${code}, reason: ${reason}`));
  server.on('client_disconnected', (id, wasClean) => {
    clients.delete(id);
    out(`Client ${id} disconnected, clean: ${wasClean}`);
    if (options.mode === 'chat') relay(id, `[${id}] disconnected`);
  });
  server.on('data_received', (id) => {
    const peer = server.getPeer(id)!;
    const packet = peer.getPacket();
    const isText = peer.wasStringPacket();
    if (options.mode === 'echo') {
      out(`Got data from client ${id}: ${describe(packet, isText)} ... echoing`);
      peer.send(packet, isText ? WriteMode.TEXT : WriteMode.BINARY);
    } else {
      const line = `[${id}] Says: ${decoder.decode(packet)}`;
      out(line);
      relay(id, line);
    }
  });

  let signals = 0;
  const onSignal = (): void => {
    signals += 1;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    let stopAt = Infinity;
    for (;;) {
      server.poll();
      if (signals > 0 && stopAt === Infinity) {
        out('Stopping: closing every client with 1001.');
        for (const id of clients) server.disconnectPeer(id, 1001, 'Server shutting down');
        stopAt = Date.now() + CLOSE_GRACE_MS;
      }
      if (stopAt !== Infinity && (clients.size === 0 || signals > 1 || Date.now() >= stopAt)) break;
      await nextFrame();
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    server.stop();
  }
}

// ---- connect ----

async function connect(options: ConnectOptions): Promise<number> {
  const peer = new WebSocketPeer();
  peer.supportedProtocols = options.protocols;
  peer.handshakeHeaders = options.headers;
  const urlProblem = describeUrlProblem(options.url);
  if (urlProblem !== null) throw new UsageError(`cannot connect: ${urlProblem}`);
  const error = peer.connectToUrl(options.url, options.tls);
  if (error !== ErrorCode.OK) throw new UsageError(`cannot connect to ${options.url}: invalid --protocol or --header (${ErrorCode[error]})`);
  status(`CONNECTING to ${options.url}`);

  const lines: string[] = [];
  let inputEndedAt = Infinity;
  const input = createInterface({ input: process.stdin, terminal: false, crlfDelay: Infinity });
  input.on('line', (line) => lines.push(line));
  input.on('close', () => {
    inputEndedAt = Date.now();
  });
  let signals = 0;
  const onSignal = (): void => {
    signals += 1;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let shown = State.CONNECTING;
  let closingSince = Infinity;
  try {
    for (;;) {
      peer.poll();
      const state = peer.getReadyState();
      if (state === State.OPEN) {
        for (let line = lines.shift(); line !== undefined; line = lines.shift()) {
          const sent = peer.sendText(line);
          if (sent !== ErrorCode.OK) status(`send failed: ${ErrorCode[sent]}`);
        }
      }
      // Packets that arrived before the close stay readable in CLOSING and CLOSED.
      while (peer.getAvailablePacketCount() > 0) {
        const packet = peer.getPacket();
        out(`< ${describe(packet, peer.wasStringPacket())}`);
      }
      if (state !== shown) {
        showState(peer, state, shown);
        shown = state;
      }
      if (state === State.CLOSED) return peer.getCloseCode() === -1 ? 1 : 0;

      const now = Date.now();
      const inputDone = lines.length === 0 && now >= inputEndedAt + options.waitMs;
      if (signals > 1 || now >= closingSince + CLOSE_GRACE_MS) {
        peer.close(-1); // a second Ctrl-C, or the server never answered our close frame
      } else if (closingSince === Infinity && (signals > 0 || (inputDone && state === State.OPEN))) {
        peer.close(1000); // CONNECTING: gives up at once (not a clean close)
        closingSince = now;
      } else {
        await nextFrame();
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    input.close();
    process.stdin.destroy();
  }
}

function showState(peer: WebSocketPeer, state: State, previous: State): void {
  if (state === State.OPEN) {
    const protocol = peer.getSelectedProtocol();
    status(`OPEN${protocol === '' ? '' : `, protocol: ${protocol}`}`);
  } else if (state === State.CLOSING) {
    status('CLOSING');
  } else if (state === State.CLOSED) {
    const code = peer.getCloseCode();
    const cause = peer.getCloseCause();
    if (previous === State.CONNECTING) status(`CLOSED: connection failed: ${cause || 'no cause known'} (code -1)`);
    else if (code === -1) status(`CLOSED without a close frame: ${cause || 'no cause known'} (code -1). Clean: false`);
    else status(`CLOSED with code ${code}, reason ${JSON.stringify(peer.getCloseReason())}. Clean: true`);
  }
}

// ---- main ----

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    if (command === 'serve') return await serve(parseServe(rest));
    if (command === 'connect') return await connect(parseConnect(rest));
    throw new UsageError(command === undefined ? 'missing command' : `unknown command: ${command}`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`rxpeer: ${error.message}\n\n${USAGE}`);
    return 2;
  }
}

void main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`rxpeer: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
