// The roll game of examples/multiplayer (godot-demo-projects' websocket_multiplayer) played
// end to end by scripted players: in-process over real sockets, in virtual time over the
// in-memory network, and as the real programs a user runs (a host and two joiners).
import { filter, firstValueFrom, map, type Observable, take, timeout } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ErrorCode, WebSocketMultiplayerPeer } from 'rxpeer';
import { createMemoryNetwork } from 'rxpeer/testing';
import { GameClient } from '../../../examples/multiplayer/client';
import { CONNECTING_NAME, type GameState, RollGame } from '../../../examples/multiplayer/game';
import { decodeClientMessage, decodeServerMessage, encode, PROTOCOL } from '../../../examples/multiplayer/protocol';
import { GameHost } from '../../../examples/multiplayer/server';
import { type Program, usePrograms } from '../../helpers/programs.js';

const HOST = '127.0.0.1';
const WAIT_MS = 5000;

/** Rolls 42, 7, 99, 0, 42, 7, … */
function fixedRandom(): () => number {
  const values = [0.42, 0.07, 0.999, 0];
  let next = 0;
  return () => values[next++ % values.length]!;
}

/** "*Host,Ann,Bob": the players in order, the one whose turn it is starred. */
function table(state: GameState): string {
  return state.players.map((p) => `${p.id === state.turn ? '*' : ''}${p.name}`).join(',');
}

describe('the rules (RollGame)', () => {
  it('keeps the list, enforces turns, rolls 0–99 and removes leavers without losing the turn', () => {
    const game = new RollGame(fixedRandom());
    game.add(1, 'Host');
    game.add(2);
    game.add(3, 'Bob');
    game.add(3, 'again'); // already in
    expect(table(game.state)).toBe(`*Host,${CONNECTING_NAME},Bob`);
    expect(game.rename(2, '  Ann\u0007 ')).toBe(true);
    expect(game.rename(9, 'nobody')).toBe(false);
    expect(game.act(3)).toEqual({ ok: false, log: 'Someone is trying to cheat! 3' });
    expect(game.act(1)).toEqual({ ok: true, roll: 42, log: 'Host: rolls 42' });
    expect(game.act(2)).toEqual({ ok: true, roll: 7, log: 'Ann: rolls 7' });
    expect(table(game.state)).toBe('Host,Ann,*Bob');
    expect(game.remove(2)).toBe(true); // someone before the current player leaves
    expect(table(game.state)).toBe('Host,*Bob');
    expect(game.act(3)).toEqual({ ok: true, roll: 99, log: 'Bob: rolls 99' });
    expect(game.remove(1)).toBe(true); // the current player leaves: the next one plays
    expect(table(game.state)).toBe('*Bob');
    expect(game.remove(3)).toBe(true);
    expect(game.state).toEqual({ players: [], turn: null });
    expect(game.act(3).ok).toBe(false);
  });

  it('the messages: malformed ones are refused', () => {
    expect(decodeClientMessage(encode({ type: 'roll' }))).toEqual({ type: 'roll' });
    expect(decodeClientMessage(encode({ type: 'name', name: 'x' }))).toEqual({ type: 'name', name: 'x' });
    for (const bad of ['', '{', '[]', '{"type":"name"}', '{"type":"cheat"}', 'null']) {
      expect(decodeClientMessage(new TextEncoder().encode(bad))).toBeNull();
    }
    expect(decodeClientMessage(new Uint8Array([0xff, 0xfe]))).toBeNull();
    expect(decodeServerMessage(encode({ type: 'log', text: 't' }))).toEqual({ type: 'log', text: 't' });
    expect(decodeServerMessage(new TextEncoder().encode('{"type":"state","state":{"players":[{"id":"1"}],"turn":null}}'))).toBeNull();
  });
});

describe('the game over real sockets, scripted players', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).reverse().forEach((cleanup) => cleanup()));

  /** The first state of `player` matching `predicate`, or a failure naming it. */
  const stateWhere = (state$: Observable<GameState>, what: string, predicate: (state: GameState) => boolean): Promise<GameState> =>
    firstValueFrom(
      state$.pipe(
        filter(predicate),
        take(1),
        timeout({ first: WAIT_MS, with: () => Promise.reject(new Error(`timed out waiting for ${what}`)) }),
      ),
    );

  it('three players join, turns are enforced, an out-of-turn roll is rejected, leavers are removed', async () => {
    const serverPeer = new WebSocketMultiplayerPeer();
    serverPeer.supportedProtocols = [PROTOCOL];
    expect(serverPeer.createServer(0, HOST)).toBe(ErrorCode.OK);
    expect(await serverPeer.ready()).toBe(ErrorCode.OK);
    const host = new GameHost(serverPeer, { name: 'Host', random: fixedRandom() });
    cleanups.push(() => host.stop());
    const hostLog: string[] = [];
    host.log$.subscribe((line) => hostLog.push(line));
    const url = `ws://${HOST}:${serverPeer.getLocalPort()}/`;

    const players: Record<string, GameClient> = {};
    for (const name of ['Ann', 'Bob', 'Cid']) {
      const peer = new WebSocketMultiplayerPeer();
      peer.supportedProtocols = [PROTOCOL];
      expect(peer.createClient(url)).toBe(ErrorCode.OK);
      players[name] = new GameClient(peer, name);
      const player = players[name]!;
      cleanups.push(() => player.leave());
      // Join one at a time, so the order is known.
      await stateWhere(host.state$, `${name} to be named`, (s) => s.players.some((p) => p.name === name));
    }
    const { Ann: ann, Bob: bob, Cid: cid } = players as Record<'Ann' | 'Bob' | 'Cid', GameClient>;
    const everyone = [ann, bob, cid];
    const logs = new Map(everyone.map((p) => [p, [] as string[]]));
    for (const p of everyone) p.log$.subscribe((line) => logs.get(p)!.push(line));
    for (const p of everyone) await stateWhere(p.state$, 'the full table', (s) => table(s) === '*Host,Ann,Bob,Cid');
    expect(host.game.state.players.map((p) => p.id)).toEqual([1, ann.id, bob.id, cid.id]);

    // The host's turn: Bob rolls anyway and is called out; the turn stays.
    const cheat = `Someone is trying to cheat! ${bob.id}`;
    const heard = (line: string) => Promise.all(everyone.map((p) => firstValueFrom(p.log$.pipe(filter((l) => l === line), take(1), timeout(WAIT_MS)))));
    const cheatHeard = heard(cheat);
    expect(bob.roll()).toBe(ErrorCode.OK);
    await cheatHeard;
    expect(table(host.game.state)).toBe('*Host,Ann,Bob,Cid');

    // Host, Ann, Bob roll in turn; everyone sees each roll (0–99) and whose turn is next.
    expect(host.roll()).toEqual({ ok: true, roll: 42, log: 'Host: rolls 42' });
    await stateWhere(ann.state$, 'Ann’s turn', (s) => s.turn === ann.id);
    expect(ann.myTurn).toBe(true);
    expect(ann.roll()).toBe(ErrorCode.OK);
    await stateWhere(bob.state$, 'Bob’s turn', (s) => s.turn === bob.id);
    expect(bob.roll()).toBe(ErrorCode.OK);
    await stateWhere(cid.state$, 'Cid’s turn', (s) => table(s) === 'Host,Ann,Bob,*Cid');

    // Cid leaves on their turn: removed everywhere, and the turn goes round to the host.
    cid.leave();
    for (const p of [ann, bob]) await stateWhere(p.state$, 'Cid removed', (s) => table(s) === '*Host,Ann,Bob');
    // Ann's connection dies mid-game: removed too.
    ann.socket.peer.getPeer(1)!.close(-1);
    await stateWhere(bob.state$, 'Ann removed', (s) => table(s) === '*Host,Bob');
    expect(await firstValueFrom(ann.end$)).toBe('server_disconnected');

    expect(hostLog).toEqual([cheat, 'Host: rolls 42', 'Ann: rolls 7', 'Bob: rolls 99']);
    expect(logs.get(bob)).toEqual(hostLog); // everything the server said came before Ann's removal
  });
});

describe('the game in virtual time over the in-memory network', () => {
  it('is exactly reproducible: every frame of the host log and of the table', () => {
    new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(({ cold, expectObservable }) => {
      const network = createMemoryNetwork();
      const serverPeer = network.createPeer();
      expect(serverPeer.createServer(8080)).toBe(ErrorCode.OK);
      const host = new GameHost(serverPeer, { name: 'Host', random: fixedRandom() });
      const join = (name: string): GameClient => {
        const peer = network.createPeer();
        expect(peer.createClient('ws://game:8080/')).toBe(ErrorCode.OK);
        return new GameClient(peer, name);
      };
      const clients: Record<string, GameClient> = {};
      // Ann (id 2) joins at 0, Bob (3) at 10, Cid (4) at 20.
      cold('a 9ms b 9ms c').subscribe((name) => (clients[name] = join({ a: 'Ann', b: 'Bob', c: 'Cid' }[name]!)));
      cold('30ms b').subscribe(() => clients.b!.roll()); // out of turn
      cold('40ms h').subscribe(() => host.roll());
      cold('50ms a').subscribe(() => clients.a!.roll());
      cold('60ms c').subscribe(() => clients.c!.roll()); // out of turn: Bob's
      cold('70ms b').subscribe(() => clients.b!.roll());
      cold('80ms c').subscribe(() => clients.c!.leave()); // on their turn

      expectObservable(host.log$).toBe('30ms a 9ms b 9ms c 9ms d 9ms e', {
        a: 'Someone is trying to cheat! 3',
        b: 'Host: rolls 42',
        c: 'Ann: rolls 7',
        d: 'Someone is trying to cheat! 4',
        e: 'Bob: rolls 99',
      });
      expectObservable(host.state$.pipe(map(table))).toBe(
        // A join and its name arrive in one frame (every hop is a zero-delay poll); 60 was a cheat.
        '(hxa) 5ms (yb) 6ms (zc) 16ms d 9ms e 19ms f 9ms g',
        {
          h: '*Host',
          x: `*Host,${CONNECTING_NAME}`,
          a: '*Host,Ann',
          y: `*Host,Ann,${CONNECTING_NAME}`,
          b: '*Host,Ann,Bob',
          z: `*Host,Ann,Bob,${CONNECTING_NAME}`,
          c: '*Host,Ann,Bob,Cid',
          d: 'Host,*Ann,Bob,Cid',
          e: 'Host,Ann,*Bob,Cid',
          f: 'Host,Ann,Bob,*Cid',
          g: '*Host,Ann,Bob',
        },
      );
    });
  });
});

describe('the programs (node dist/examples/multiplayer/main.js)', () => {
  const programs = usePrograms();
  const start = (name: string, args: string[]): Program =>
    programs.start('dist/examples/multiplayer/main.js', args, { name, cwd: programs.built.root });

  it('a host and two joiners play: turns enforced, cheat rejected, a leaver removed', async () => {
    const host = start('host', ['host', '--port', '0', '--bind', HOST, '--name', 'Ada', '--bots', '0']);
    const [, url] = await host.waitFor(/Hosting the roll game on (ws:\/\/\S+) \(protocol ludus\)/, { stream: 'output' });
    const bob = start('bob', ['join', url!, '--name', 'Bob']);
    await host.waitFor(/Players: \*Ada \(you\), Bob \| your turn/, { stream: 'output' });
    const cid = start('cid', ['join', url!, '--name', 'Cid']);
    await host.waitFor(/Players: \*Ada \(you\), Bob, Cid \| your turn/, { stream: 'output' });
    const [, bobId] = await bob.waitFor(/Connected as id (\d+)\./, { stream: 'output' });
    await cid.waitFor(/Players: \*Ada, Bob, Cid \(you\) \| Ada's turn/, { stream: 'output' });

    // Bob rolls out of turn: everyone is told, nothing moves.
    let mark = bob.type('roll');
    for (const p of [host, bob, cid]) await p.waitFor(new RegExp(`> Someone is trying to cheat! ${bobId}`), { stream: 'output' });
    // Ada rolls (Enter): everyone sees it and it is Bob's turn.
    mark = host.type('');
    const [, roll] = await host.waitFor(/> Ada: rolls (\d+)/, { stream: 'output', from: mark });
    expect(Number(roll)).toBeGreaterThanOrEqual(0);
    expect(Number(roll)).toBeLessThanOrEqual(99);
    await cid.waitFor(new RegExp(`> Ada: rolls ${roll}`), { stream: 'output' });
    await bob.waitFor(/Your turn: press Enter to roll\./, { stream: 'output' });
    mark = bob.type('roll');
    await cid.waitFor(/> Bob: rolls \d+/, { stream: 'output' });
    await cid.waitFor(/Your turn: press Enter to roll\./, { stream: 'output' });
    // Cid leaves on their turn: removed everywhere; the turn goes round to Ada.
    mark = host.output.length;
    cid.type('quit');
    expect(await cid.exit()).toEqual({ code: 0, signal: null });
    await host.waitFor(/Players: \*Ada \(you\), Bob \| your turn/, { stream: 'output', from: mark });
    await bob.waitFor(/Players: \*Ada, Bob \(you\) \| Ada's turn/, { stream: 'output' });
    // The host quits: Bob is told and exits cleanly.
    host.type('quit');
    expect(await host.exit()).toEqual({ code: 0, signal: null });
    await bob.waitFor(/Server disconnected\./, { stream: 'output' });
    expect(await bob.exit()).toEqual({ code: 0, signal: null });
  });

  it('join fails clearly when nobody hosts (exit status 1)', async () => {
    const lonely = start('lonely', ['join', `ws://${HOST}:1`, '--name', 'Zoe']);
    await lonely.waitFor(/Connection failed\./, { stream: 'output' });
    expect(await lonely.exit()).toEqual({ code: 1, signal: null });
    const usage = start('usage', ['dance']);
    await usage.waitFor(/usage: main\.js host/, { stream: 'output' });
    expect(await usage.exit()).toEqual({ code: 2, signal: null });
  });
});
