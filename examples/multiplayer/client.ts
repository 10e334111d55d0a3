// A player of the roll game: a WebSocketMultiplayerPeer client that sends its name once
// connected, then its rolls; the server's state and log lines arrive as streams.
import { ReplaySubject, Subject, Subscription, type SchedulerLike } from 'rxjs';
import {
  ConnectionStatus,
  ErrorCode,
  fromMultiplayerPeer,
  type MultiplayerCloseReason,
  type ObservableMultiplayerPeer,
  type WebSocketMultiplayerPeer,
} from 'rxpeer';
import type { GameState } from './game.js';
import { decodeServerMessage, encode } from './protocol.js';

export class GameClient {
  readonly socket: ObservableMultiplayerPeer;
  /** The server's state after every change (the latest replayed to late subscribers). */
  readonly state$ = new ReplaySubject<GameState>(1);
  /** Every log line the server sends. */
  readonly log$ = new Subject<string>();
  /** One value when the game is over for this client: why. */
  readonly end$ = new ReplaySubject<MultiplayerCloseReason>(1);
  #state: GameState = { players: [], turn: null };
  readonly #subscription = new Subscription();

  /** `peer` must have started connecting (createClient). */
  constructor(peer: WebSocketMultiplayerPeer, name: string, { scheduler }: { scheduler?: SchedulerLike } = {}) {
    this.socket = fromMultiplayerPeer(peer, { scheduler });
    this.#subscription.add(
      this.socket.status$.subscribe((status) => {
        if (status === ConnectionStatus.CONNECTED) this.socket.send(encode({ type: 'name', name }), 1);
      }),
    );
    this.#subscription.add(
      this.socket.packets$.subscribe(({ from, data }) => {
        const message = from === 1 ? decodeServerMessage(data) : null;
        if (message?.type === 'state') {
          this.#state = message.state;
          this.state$.next(message.state);
        } else if (message?.type === 'log') {
          this.log$.next(message.text);
        }
      }),
    );
    this.#subscription.add(
      this.socket.close$.subscribe((reason) => {
        this.end$.next(reason);
        for (const subject of [this.state$, this.log$, this.end$]) subject.complete();
      }),
    );
  }

  /** This player's id (0 until connected). */
  get id(): number {
    return this.socket.peer.getUniqueId();
  }

  get state(): GameState {
    return this.#state;
  }

  get myTurn(): boolean {
    return this.id !== 0 && this.#state.turn === this.id;
  }

  /** Asks the server to roll; it refuses (and tells everyone) when it is not our turn. */
  roll(): ErrorCode {
    return this.socket.send(encode({ type: 'roll' }), 1);
  }

  rename(name: string): ErrorCode {
    return this.socket.send(encode({ type: 'name', name }), 1);
  }

  leave(): void {
    this.socket.close();
    this.#subscription.unsubscribe();
  }
}
