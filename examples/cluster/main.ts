// One machine, all cores: node:cluster workers share one relay port and one chat port (the
// primary hands each new connection to a worker), and the workers share one Redis bus, so a
// client on any worker sees and reaches the clients of every other:
//
//   npm run cluster -- [--workers 4] [--redis redis://127.0.0.1:6379] [--relay-port 9080] [--chat-port 8000]
//
// The primary prints "cluster ready: N workers, relay PORT, chat PORT" once every worker
// listens; Ctrl-C (or SIGTERM) lets each worker leave the cluster cleanly.
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { startNode } from './node.js';

interface WorkerReady {
  ready: { nodeId: string; relayPort: number | null; chatPort: number | null };
}

async function primary(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workers: { type: 'string', default: String(availableParallelism()) },
      redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
      'relay-port': { type: 'string', default: '9080' },
      'chat-port': { type: 'string', default: '8000' },
      host: { type: 'string', default: '127.0.0.1' },
    },
  });
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`--workers: not a number of workers: ${values.workers}`);
  const env = {
    RXPEER_REDIS: values.redis!,
    RXPEER_RELAY_PORT: values['relay-port']!,
    RXPEER_CHAT_PORT: values['chat-port']!,
    RXPEER_HOST: values.host!,
  };
  const ready: WorkerReady['ready'][] = [];
  for (let i = 0; i < workers; i++) {
    const worker = cluster.fork(env);
    worker.on('message', (message: WorkerReady) => {
      ready.push(message.ready);
      console.log(`worker ${worker.id}: node ${message.ready.nodeId}`);
      if (ready.length === workers) {
        console.log(`cluster ready: ${workers} workers, relay ${ready[0]!.relayPort}, chat ${ready[0]!.chatPort}`);
      }
    });
  }
  let stopping = false;
  cluster.on('exit', (worker, code, signal) => {
    if (!stopping) console.log(`worker ${worker.id} exited (${signal ?? code})`);
  });
  const stop = (): void => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function worker(): Promise<void> {
  const node = await startNode({
    redisUrl: process.env.RXPEER_REDIS!,
    relayPort: Number(process.env.RXPEER_RELAY_PORT),
    chatPort: Number(process.env.RXPEER_CHAT_PORT),
    host: process.env.RXPEER_HOST!,
    log: (line) => console.log(`[${cluster.worker!.id}] ${line}`),
  });
  process.send!({ ready: { nodeId: node.nodeId, relayPort: node.relayPort, chatPort: node.chatPort } } satisfies WorkerReady);
  const stop = (): void => {
    void node.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', () => {}); // Ctrl-C reaches the whole group: the primary decides
}

(cluster.isPrimary ? primary() : worker()).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
