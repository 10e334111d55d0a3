// `npm run chat`: Godot's websocket_chat demo with an rxpeer server and a browser page.
// Open the printed address in two browser tabs and chat; Ctrl-C stops both servers.
import { join } from 'node:path';
import { handledHelp } from '../help.js';
import { startChatDemo } from './serve.js';

async function main(): Promise<void> {
  const demo = await startChatDemo({
    packageDir: join(__dirname, '..', '..', '..'), // dist/examples/chat → the package
    chatPort: 8000,
    httpPort: 8080,
    onServerOutput: (line) => console.log(`server: ${line}`),
  });
  console.log(`Open ${demo.pageUrl} in two browser tabs and chat. Ctrl-C stops.`);
  process.once('SIGINT', () => void demo.stop());
}

const USAGE = `Usage: npm run chat
Godot's websocket_chat demo: an rxpeer chat server on port 8000 and the page on
http://127.0.0.1:8080/. Open the page in two tabs and chat; Ctrl-C stops both servers.`;

if (!handledHelp(USAGE, process.argv.slice(2))) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
