// `npm run chat`: Godot's websocket_chat demo with an rxpeer server and a browser page.
// Open the printed address in two browser tabs and chat; Ctrl-C stops both servers.
// `npm run chat -- --nodes 2 [--redis redis://127.0.0.1:6379]`: two chat servers in two
// processes (ports 8000 and 8001) sharing Redis; a tab on each chats as one room.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { handledHelp } from '../help.js';
import { startChatDemo } from './serve.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { nodes: { type: 'string', default: '1' }, redis: { type: 'string' } } });
  const nodes = Number(values.nodes);
  if (!Number.isInteger(nodes) || nodes < 1) throw new Error(`--nodes: not a number of processes: ${values.nodes}`);
  const demo = await startChatDemo({
    packageDir: join(__dirname, '..', '..', '..'), // dist/examples/chat → the package
    chatPort: 8000,
    httpPort: 8080,
    nodes,
    ...(values.redis === undefined ? {} : { redisUrl: values.redis }),
    onServerOutput: (line) => console.log(`server: ${line}`),
  });
  if (nodes === 1) console.log(`Open ${demo.pageUrl} in two browser tabs and chat. Ctrl-C stops.`);
  else console.log(`Open one tab on each node and chat:\n${demo.pageUrls.map((url) => `  ${url}`).join('\n')}\nCtrl-C stops.`);
  process.once('SIGINT', () => void demo.stop());
}

const USAGE = `Usage: npm run chat [-- --nodes N [--redis URL]]
Godot's websocket_chat demo: an rxpeer chat server on port 8000 and the page on
http://127.0.0.1:8080/. Open the page in two tabs and chat; Ctrl-C stops both servers.
--nodes N runs N chat servers in N processes (ports 8000, 8001, …) sharing Redis
(--redis, default redis://127.0.0.1:6379): open one page per node.`;

if (!handledHelp(USAGE, process.argv.slice(2), ['--nodes', '--redis'])) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
