// A network in virtual time for the session protocol: each dial() makes a connection whose
// frames take `latency` ms, and the test decides, frame by frame, where the connection is cut.
// Frames in flight when it is cut are lost, as a TCP RST loses what was not yet read.
import { asyncScheduler, BehaviorSubject, ReplaySubject, Subject } from 'rxjs';
import type { CloseInfo } from '../../../src/observable/errors';
import { ErrorCode, State } from '../../../src/peer/constants';
import { createPacket, type Packet } from '../../../src/peer/packet';
import type { SessionLink } from '../../../src/observable/session/session-link';

export interface SentFrame {
  /** 1, 2, 3, … over every frame of every connection, both directions. */
  readonly number: number;
  readonly fromClient: boolean;
  readonly data: Uint8Array;
}

class Connection {
  alive = true;
  constructor(readonly client: End, readonly server: End) {}
}

class End implements SessionLink {
  readonly #state = new BehaviorSubject<State>(State.CONNECTING);
  readonly #packets = new Subject<Packet>();
  readonly #close = new ReplaySubject<CloseInfo>(1);
  readonly state$ = this.#state.asObservable();
  readonly packets$ = this.#packets.asObservable();
  readonly close$ = this.#close.asObservable();
  connection!: Connection;

  constructor(
    readonly network: VirtualNetwork,
    readonly isClient: boolean,
  ) {}

  get other(): End {
    return this.isClient ? this.connection.server : this.connection.client;
  }

  get state(): State {
    return this.#state.value;
  }

  open(): void {
    this.#state.next(State.OPEN);
  }

  send(message: Uint8Array): ErrorCode {
    if (this.state !== State.OPEN) return ErrorCode.FAILED;
    if (!this.connection.alive) return ErrorCode.OK; // the socket takes it; the cut is not known yet
    const frame: SentFrame = { number: ++this.network.frameCount, fromClient: this.isClient, data: message.slice() };
    this.network.log.push(frame);
    this.network.onSend?.(frame);
    if (this.network.cutBefore.has(frame.number)) {
      this.network.cut(this.connection);
      return ErrorCode.OK; // written to the socket, lost on the way
    }
    if (this.network.halfOpenBefore.has(frame.number)) {
      this.network.cutClientSide(this.connection);
      return ErrorCode.OK;
    }
    const connection = this.connection;
    asyncScheduler.schedule(() => {
      if (connection.alive && this.other.state !== State.CLOSED) this.other.#packets.next(createPacket(frame.data, false));
    }, this.network.latency);
    return ErrorCode.OK;
  }

  close(code = 1000, reason = ''): ErrorCode {
    if (this.state === State.CLOSED) return ErrorCode.OK;
    if (code < 0 || this.state === State.CONNECTING) {
      this.network.cut(this.connection);
      return ErrorCode.OK;
    }
    if (this.state === State.CLOSING) return ErrorCode.OK;
    this.#state.next(State.CLOSING);
    const connection = this.connection;
    asyncScheduler.schedule(() => {
      if (!connection.alive) return;
      connection.alive = false;
      this.other.finish({ code, reason, wasClean: true });
      asyncScheduler.schedule(() => this.finish({ code, reason, wasClean: true }), this.network.latency);
    }, this.network.latency);
    return ErrorCode.OK;
  }

  finish(info: CloseInfo): void {
    if (this.state === State.CLOSED) return;
    this.#state.next(State.CLOSED);
    this.#state.complete();
    this.#packets.complete();
    this.#close.next(info);
    this.#close.complete();
  }
}

export class VirtualNetwork {
  frameCount = 0;
  readonly log: SentFrame[] = [];
  /** Frame numbers whose sending cuts the connection (the frame is lost). */
  readonly cutBefore = new Set<number>();
  /** Frame numbers whose sending cuts the connection on the client's side only: the server's end stays OPEN (half-open) until closeHalfOpen(). */
  readonly halfOpenBefore = new Set<number>();
  /** Hears every frame as it is sent. */
  onSend: ((frame: SentFrame) => void) | null = null;
  #halfOpen: Connection[] = [];
  #current: Connection | null = null;
  /** Whether the next dials are refused (the server is down). */
  down = false;

  constructor(
    /** Gets each server end once it is OPEN. */
    readonly accept: (link: SessionLink) => void,
    readonly latency = 1,
  ) {}

  get connections(): number {
    return this.#dials;
  }
  #dials = 0;

  /** A client's connection: OPEN on both ends after one latency, unless the server is down. */
  readonly dial = (): SessionLink => {
    this.#dials++;
    const client = new End(this, true);
    const server = new End(this, false);
    const connection = new Connection(client, server);
    client.connection = connection;
    server.connection = connection;
    this.#current = connection;
    asyncScheduler.schedule(() => {
      if (!connection.alive) return;
      if (this.down) {
        connection.alive = false;
        client.finish({ code: -1, reason: '', wasClean: false });
        return;
      }
      server.open();
      this.accept(server);
      client.open();
    }, this.latency);
    return client;
  };

  /** Cuts the latest connection now (both ends CLOSED with -1; frames in flight lost). */
  cutNow(): void {
    if (this.#current !== null) this.cut(this.#current);
  }

  /** Nothing gets through from now on; the client learns of it on the next turn, the server not until closeHalfOpen(). */
  cutClientSide(connection: Connection): void {
    if (!connection.alive) return;
    connection.alive = false;
    this.#halfOpen.push(connection);
    asyncScheduler.schedule(() => connection.client.finish({ code: -1, reason: '', wasClean: false }));
  }

  /** The server notices its half-open connections are dead. */
  closeHalfOpen(): void {
    for (const connection of this.#halfOpen.splice(0)) connection.server.finish({ code: -1, reason: '', wasClean: false });
  }

  /** Nothing gets through from now on; both ends learn of it on the next turn. */
  cut(connection: Connection): void {
    if (!connection.alive) return;
    connection.alive = false;
    asyncScheduler.schedule(() => {
      connection.client.finish({ code: -1, reason: '', wasClean: false });
      connection.server.finish({ code: -1, reason: '', wasClean: false });
    });
  }
}
