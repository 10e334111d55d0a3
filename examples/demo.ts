// `npm run demo`: the Godot 4 minimal server and minimal client (Godot 4 WebSocket tutorial) talking
// on loopback. The server listens on a free port; the client is given the real one.
// Tutorial: https://docs.godotengine.org/en/stable/tutorials/networking/websocket.html
import { runGodot4Client } from './godot4-client.js';
import { handledHelp } from './help.js';
import { startGodot4Server } from './godot4-server.js';

async function main(): Promise<number> {
  const server = await startGodot4Server({ port: 0, bindAddress: '127.0.0.1', peers: 1, maxSeconds: 20 });
  if (server === null) return 1;
  const client = await runGodot4Client(`ws://127.0.0.1:${server.port}`, { maxSeconds: 15 });
  const served = await server.done;
  return client === 0 && served === 0 ? 0 : 1;
}

const USAGE = `Usage: npm run demo
The Godot 4 minimal server and client from Godot's WebSocket tutorial, talking on
127.0.0.1 (a free port). Prints what each side sees; exits 0 when both finished cleanly.`;

if (!handledHelp(USAGE, process.argv.slice(2))) {
  void main().then((status) => {
    process.exitCode = status;
  });
}
