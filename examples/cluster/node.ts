// One rxpeer node of a cluster: a Godot 3 multiplayer relay (WebSocketMultiplayerPeer) and
// a chat (a hub), sharing one Redis bus with every other node. Run several, on one machine
// or many, and they act as one relay and one chat:
//
//   node dist/examples/cluster/node.js --redis redis://127.0.0.1:6379 --relay-port 9080 --chat-port 8000
//
// It prints one line per event on stdout ("ready …", "bus …", "loss …", "relay peers …",
// chat lines); SIGINT/SIGTERM leave the cluster cleanly. main.ts runs it in node:cluster workers.
import { parseArgs } from 'node:util';
import { createHub, ErrorCode, fromMultiplayerPeer, WebSocketMultiplayerPeer } from 'rxpeer';
import { redisBus } from 'rxpeer/redis';
import { serveHubChat } from '../chat/hub-chat.js';

export interface NodeOptions {
  redisUrl: string;
  /** Port of the multiplayer relay; null: none. */
  relayPort: number | null;
  /** Port of the chat; null: none. */
  chatPort: number | null;
  host?: string;
  heartbeatInterval?: number;
  nodeExpiry?: number;
  log?: (line: string) => void;
}

export interface ClusterNode {
  readonly nodeId: string;
  readonly relayPort: number | null;
  readonly chatPort: number | null;
  stop(): Promise<void>;
}

export async function startNode(options: NodeOptions): Promise<ClusterNode> {
  const { redisUrl, relayPort, chatPort, host = '127.0.0.1', heartbeatInterval, nodeExpiry, log = console.log } = options;
  const bus = redisBus({
    url: redisUrl,
    ...(heartbeatInterval === undefined ? {} : { heartbeatInterval }),
    ...(nodeExpiry === undefined ? {} : { nodeExpiry }),
    onStatus: (status) => log(`bus ${status.state}${status.cause === undefined ? '' : `: ${status.cause}`}`),
    onLoss: (loss) => log(`loss ${JSON.stringify(loss)}`),
  });
  await bus.ready();

  let relay: WebSocketMultiplayerPeer | null = null;
  let boundRelay: number | null = null;
  if (relayPort !== null) {
    relay = new WebSocketMultiplayerPeer();
    relay.bus = bus;
    const created = relay.createServer(relayPort, host);
    const bound = created === ErrorCode.OK ? await relay.ready() : created;
    if (bound !== ErrorCode.OK) throw new Error(`relay: cannot listen on ${host}:${relayPort}: ${ErrorCode[bound]}`);
    boundRelay = relay.getLocalPort();
    const socket = fromMultiplayerPeer(relay);
    socket.peers$.subscribe((ids) => log(`relay peers ${ids.join(',')}`));
    // Which clients are this node's own (the others are connected to other nodes).
    const server = relay;
    socket.peerConnected$.subscribe((id) => {
      if (server.getPeer(id) !== null) log(`relay client ${id} connected here`);
    });
  }

  const hub = createHub({ bus, name: 'chat' });
  hub.members$('chat').subscribe((ids) => log(`chat members ${ids.join(',')}`));
  let boundChat: number | null = null;
  let chat = null;
  if (chatPort !== null) {
    let listening!: (port: number) => void;
    const port = new Promise<number>((resolve) => (listening = resolve));
    chat = serveHubChat(hub, { port: chatPort, bindAddress: host, onListening: listening, log });
    boundChat = await port;
  }
  log(`ready node ${bus.nodeId} relay ${boundRelay ?? '-'} chat ${boundChat ?? '-'}`);

  return {
    nodeId: bus.nodeId,
    relayPort: boundRelay,
    chatPort: boundChat,
    async stop() {
      chat?.unsubscribe();
      hub.close();
      relay?.close();
      await bus.close();
    },
  };
}

function portArg(value: string | undefined, name: string): number | null {
  if (value === undefined) return null;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new Error(`--${name}: not a port number: ${value}`);
  return Number(value);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
      'relay-port': { type: 'string' },
      'chat-port': { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      'heartbeat-interval': { type: 'string' },
      'node-expiry': { type: 'string' },
    },
  });
  const node = await startNode({
    redisUrl: values.redis!,
    relayPort: portArg(values['relay-port'], 'relay-port'),
    chatPort: portArg(values['chat-port'], 'chat-port'),
    host: values.host!,
    ...(values['heartbeat-interval'] === undefined ? {} : { heartbeatInterval: Number(values['heartbeat-interval']) }),
    ...(values['node-expiry'] === undefined ? {} : { nodeExpiry: Number(values['node-expiry']) }),
  });
  const stop = (): void => {
    void node.stop().then(() => process.exit(0));
  };
  // Started with an IPC channel (the bench): "stats" is answered with its memory, after a GC if exposed.
  process.on('message', (message) => {
    if (message !== 'stats') return;
    (globalThis as { gc?: () => void }).gc?.();
    process.send?.({ memory: process.memoryUsage() });
  });
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
