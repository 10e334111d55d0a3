// The authoritative side of the roll game: a WebSocketMultiplayerPeer server whose host also
// plays (id 1), as in the Godot demo. Joins, leaves and requests arrive as streams from
// fromMultiplayerPeer; every change goes out to every client as the whole state.
import { ReplaySubject, Subject, Subscription, type SchedulerLike } from 'rxjs';
import { fromMultiplayerPeer, type ObservableMultiplayerPeer, type WebSocketMultiplayerPeer } from 'rxpeer';
import { type ActionResult, type GameState, RollGame } from './game.js';
import { decodeClientMessage, encode, type ServerMessage } from './protocol.js';

export interface GameHostOptions {
  /** The host's player name (the host plays as id 1). */
  name?: string;
  /** Numbers in [0, 1) for the rolls (default Math.random). */
  random?: () => number;
  /** Drives the peer (default: on demand, asapScheduler). */
  scheduler?: SchedulerLike;
}

export class GameHost {
  readonly socket: ObservableMultiplayerPeer;
  readonly game: RollGame;
  /** The state after every change (the latest replayed to late subscribers). */
  readonly state$ = new ReplaySubject<GameState>(1);
  /** Every log line, as every player sees it. */
  readonly log$ = new Subject<string>();
  readonly #subscription = new Subscription();

  /** `peer` must have created its server already (createServer). */
  constructor(peer: WebSocketMultiplayerPeer, { name = 'Host', random, scheduler }: GameHostOptions = {}) {
    this.game = new RollGame(random);
    this.socket = fromMultiplayerPeer(peer, { scheduler });
    this.game.add(1, name);
    this.#subscription.add(
      this.socket.peerConnected$.subscribe((id) => {
        this.game.add(id);
        this.#publishState();
      }),
    );
    this.#subscription.add(
      this.socket.peerDisconnected$.subscribe((id) => {
        if (this.game.remove(id)) this.#publishState();
      }),
    );
    this.#subscription.add(
      this.socket.packets$.subscribe(({ from, data }) => {
        const message = decodeClientMessage(data);
        if (message?.type === 'name') {
          if (this.game.rename(from, message.name)) this.#publishState();
        } else if (message?.type === 'roll') {
          this.#play(from);
        } // anything else is ignored: a game never trusts its clients
      }),
    );
    this.#subscription.add(
      this.socket.close$.subscribe(() => {
        this.state$.complete();
        this.log$.complete();
      }),
    );
    this.#publishState();
  }

  /** The host's own roll (only on its turn, like anyone else's). */
  roll(): ActionResult {
    return this.#play(1);
  }

  /** Renames the host (everyone sees the new name). */
  rename(name: string): void {
    if (this.game.rename(1, name)) this.#publishState();
  }

  /** Closes the server: every client is disconnected. */
  stop(): void {
    this.socket.close();
    this.#subscription.unsubscribe();
  }

  #play(id: number): ActionResult {
    const result = this.game.act(id);
    this.#broadcast({ type: 'log', text: result.log });
    this.log$.next(result.log);
    if (result.ok) this.#publishState();
    return result;
  }

  #publishState(): void {
    const state = this.game.state;
    this.#broadcast({ type: 'state', state });
    this.state$.next(state);
  }

  #broadcast(message: ServerMessage): void {
    if (this.socket.peer.getPeers().length > 0) this.socket.send(encode(message), 0);
  }
}
