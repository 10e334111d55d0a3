// `npm run game`: godot-demo-projects' networking/websocket_multiplayer "roll" game in a
// terminal. Host a game (you play as the host, id 1, with bots if you like) or join one.
//
//   node dist/examples/multiplayer/main.js host [--port 8080] [--bind ADDRESS] [--name NAME] [--bots 2]
//   node dist/examples/multiplayer/main.js join [ws://127.0.0.1:8080] [--name NAME]
//
// Commands: Enter or "roll" rolls (on your turn), "name NEW" renames you, "players" shows
// the table, "quit" (or Ctrl-D, Ctrl-C) leaves. `--port 0` picks a free port.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ErrorCode, WebSocketMultiplayerPeer } from 'rxpeer';
import { GameClient } from './client.js';
import type { GameState } from './game.js';
import { DEFAULT_PORT, PROTOCOL } from './protocol.js';
import { GameHost } from './server.js';

const USAGE = `usage: main.js host [--port ${DEFAULT_PORT}] [--bind ADDRESS] [--name NAME] [--bots 2]
       main.js join [ws://127.0.0.1:${DEFAULT_PORT}] [--name NAME]`;
const BOT_DELAY_MS = 600;

function describeState(state: GameState, me: number): string {
  const players = state.players.map((p) => `${p.id === state.turn ? '*' : ''}${p.name}${p.id === me ? ' (you)' : ''}`);
  const current = state.players.find((p) => p.id === state.turn);
  return `Players: ${players.join(', ')}${current === undefined ? '' : ` | ${current.id === me ? 'your' : `${current.name}'s`} turn`}`;
}

/** One line of input → an action. Returns false when the player wants to leave. */
function command(line: string, actions: { roll(): void; rename(name: string): void; show(): void }): boolean {
  const [word = '', ...rest] = line.trim().split(/\s+/);
  if (word === '' || word === 'roll') actions.roll();
  else if (word === 'name' && rest.length > 0) actions.rename(rest.join(' '));
  else if (word === 'players') actions.show();
  else if (word === 'quit' || word === 'exit') return false;
  else console.log('Commands: Enter or "roll", "name NEW", "players", "quit".');
  return true;
}

/** A computer player: rolls a little while after its turn comes. */
function startBot(url: string, name: string): GameClient {
  const peer = new WebSocketMultiplayerPeer();
  peer.supportedProtocols = [PROTOCOL];
  peer.createClient(url);
  const bot = new GameClient(peer, name);
  let timer: NodeJS.Timeout | undefined;
  bot.state$.subscribe({
    next: () => {
      clearTimeout(timer);
      if (bot.myTurn) timer = setTimeout(() => bot.roll(), BOT_DELAY_MS);
    },
    complete: () => clearTimeout(timer),
  });
  return bot;
}

async function host(options: { port: number; bind: string; name: string; bots: number }): Promise<number> {
  const peer = new WebSocketMultiplayerPeer();
  peer.supportedProtocols = [PROTOCOL];
  if (peer.createServer(options.port, options.bind) !== ErrorCode.OK || (await peer.ready()) !== ErrorCode.OK) {
    console.error(`Cannot listen on port ${options.port}.`);
    return 1;
  }
  const address = options.bind === '*' ? '127.0.0.1' : options.bind;
  const url = `ws://${address.includes(':') ? `[${address}]` : address}:${peer.getLocalPort()}`;
  const game = new GameHost(peer, { name: options.name });
  console.log(`Hosting the roll game on ${url} (protocol ${PROTOCOL}). You are ${options.name}, id 1.`);
  console.log(`Others join with: npm run game -- join ${url} --name NAME`);
  game.log$.subscribe((line) => console.log(`> ${line}`));
  let lastTurn: number | null = null;
  game.state$.subscribe((state) => {
    console.log(describeState(state, 1));
    if (state.turn === 1 && lastTurn !== 1) console.log('Your turn: press Enter to roll.');
    lastTurn = state.turn;
  });
  const bots = Array.from({ length: options.bots }, (_, i) => startBot(url, `Bot ${i + 1}`));
  return play({
    roll: () => void game.roll(),
    rename: (name) => game.rename(name),
    show: () => console.log(describeState(game.game.state, 1)),
    leave: () => {
      bots.forEach((bot) => bot.leave());
      game.stop();
    },
    ended: new Promise<number>(() => {}),
  });
}

async function join(url: string, name: string): Promise<number> {
  const peer = new WebSocketMultiplayerPeer();
  peer.supportedProtocols = [PROTOCOL];
  if (peer.createClient(url) !== ErrorCode.OK) {
    console.error(`Not a WebSocket URL: ${url}`);
    return 2;
  }
  console.log(`Connecting to ${url} as ${name}...`);
  const game = new GameClient(peer, name);
  let announced = false;
  let lastTurn: number | null = null;
  game.state$.subscribe((state) => {
    if (!announced) {
      announced = true;
      console.log(`Connected as id ${game.id}.`);
    }
    console.log(describeState(state, game.id));
    if (game.myTurn && lastTurn !== game.id) console.log('Your turn: press Enter to roll.');
    lastTurn = state.turn;
  });
  game.log$.subscribe((line) => console.log(`> ${line}`));
  const ended = new Promise<number>((done) =>
    game.end$.subscribe((reason) => {
      if (reason === 'connection_failed') console.log('Connection failed.');
      else if (reason === 'server_disconnected') console.log('Server disconnected.');
      done(reason === 'connection_failed' ? 1 : 0);
    }),
  );
  return play({
    roll: () => void game.roll(),
    rename: (newName) => void game.rename(newName),
    show: () => console.log(describeState(game.state, game.id)),
    leave: () => game.leave(),
    ended,
  });
}

/** Reads commands until the player leaves or the game ends; resolves with the exit status. */
function play(session: { roll(): void; rename(name: string): void; show(): void; leave(): void; ended: Promise<number> }): Promise<number> {
  const input = createInterface({ input: process.stdin, terminal: false });
  return new Promise<number>((done) => {
    let finished = false;
    const finish = (status: number): void => {
      if (finished) return;
      finished = true;
      session.leave();
      input.close();
      console.log('Bye.');
      done(status);
    };
    input.on('line', (line) => {
      if (!command(line, session)) finish(0);
    });
    input.on('close', () => finish(0));
    process.once('SIGINT', () => finish(0));
    void session.ended.then(finish);
  });
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        port: { type: 'string', default: String(DEFAULT_PORT) },
        bind: { type: 'string', default: '*' },
        name: { type: 'string' },
        bots: { type: 'string', default: '2' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [mode = 'host', target] = positionals;
  const port = Number(values.port);
  const bots = Number(values.bots);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || !Number.isInteger(bots) || bots < 0 || bots > 8) {
    console.error(`--port must be 0–65535 and --bots 0–8.\n${USAGE}`);
    return 2;
  }
  if (mode === 'host') return host({ port, bind: values.bind, name: values.name ?? 'Host', bots });
  if (mode === 'join') return join(target ?? `ws://127.0.0.1:${DEFAULT_PORT}`, values.name ?? `Player ${process.pid}`);
  console.error(USAGE);
  return 2;
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((status) => {
    process.exitCode = status;
    // Sockets the game closed finish their close handshakes; nothing else keeps node alive.
    setTimeout(() => process.exit(status), 500).unref();
  });
}
