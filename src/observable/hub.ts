import { BehaviorSubject, distinctUntilChanged, Observable, Subject, type Subscription } from 'rxjs';
import { ErrorCode } from '../peer/constants.js';
import type { Bus, BusChannel, BusLoss, BusStatus } from './bus.js';
import type { ObservablePeer } from './observable-peer.js';
import { checkOptions, describeValue } from './options.js';

export interface HubOptions {
  /**
   * Joins the hubs of the same `name` in other processes (e.g. `redisBus()` from
   * `rxpeer/redis`): rooms, messages and presence span every node. Without: one process.
   */
  bus?: Bus;
  /** Hubs with the same name on different nodes share their rooms. Default "hub". */
  name?: string;
}

export interface HubPublishOptions {
  /** Clients (or member ids, on any node) that do not get this message, e.g. its sender. */
  except?: ObservablePeer | string | readonly (ObservablePeer | string)[];
}

/** A message that did not reach someone: never dropped silently. */
export interface HubLoss {
  /**
   * `client`: sending to a client of this node failed (its queue is full, it is closing);
   * `send`: this node could not hand messages to the other nodes (the bus is partitioned);
   * `receive`: messages another node published never arrived here.
   */
  readonly where: 'client' | 'send' | 'receive';
  readonly count: number;
  /** The room (client losses). */
  readonly room?: string;
  /** The member that missed it (client losses). */
  readonly member?: string;
  /** The other node (receive losses). */
  readonly node?: string;
  readonly cause: string;
}

export interface Hub {
  /** The bus link (without a bus: `connected`, always). Current value on subscribe. */
  readonly status$: Observable<BusStatus>;
  /** Every message that did not reach a member, with why. */
  readonly losses$: Observable<HubLoss>;
  /** The client's member id, unique across every node of the bus (given at its first join). */
  idOf(client: ObservablePeer): string;
  /** Adds `client` to `room`; it leaves every room by itself once it is closed. */
  join(client: ObservablePeer, room: string): void;
  leave(client: ObservablePeer, room: string): void;
  /**
   * Sends `message` (a string as a text frame, bytes as a binary frame) to every member of
   * `room` on every node, but those in `except`. Returns how many clients of this node it
   * was handed to; failures and what could not cross are reported on `losses$`.
   */
  publish(room: string, message: string | Uint8Array, options?: HubPublishOptions): number;
  /** The member ids of `room` on every node, now and at every change (this node's first, in join order). */
  members$(room: string): Observable<readonly string[]>;
  /** Every client leaves every room (and the other nodes see them go); the streams complete. */
  close(): void;
}

const KNOWN_OPTIONS = ['bus', 'name'];
const KNOWN_PUBLISH_OPTIONS = ['except'];

/**
 * Rooms for the observable layer: clients join and leave rooms, a message published to a
 * room reaches its members, and `members$` shows who is in it. With a `bus`, hubs of the same
 * name in several processes or machines act as one: members on any node, messages to all.
 *
 * @example
 * const hub = createHub();                               // or createHub({ bus: redisBus({ url }) })
 * const server = listen(8000).pipe(
 *   mergeMap((client) => {
 *     hub.join(client, 'lobby');
 *     return client.packets$.pipe(tap((p) => hub.publish('lobby', p.text ?? p.data, { except: client })));
 *   }),
 * ).subscribe();
 * hub.members$('lobby').subscribe((ids) => console.log(`${ids.length} in the lobby`));
 */
export function createHub(options: HubOptions = {}): Hub {
  checkOptions('createHub', options, KNOWN_OPTIONS);
  const { bus, name = 'hub' } = options;
  if (bus !== undefined && (typeof bus !== 'object' || bus === null || typeof bus.channel !== 'function' || typeof bus.nodeId !== 'string')) {
    throw new TypeError('createHub: bus must be a Bus (e.g. redisBus() from rxpeer/redis)');
  }
  if (typeof name !== 'string' || name === '') throw new TypeError(`createHub: name must be a non-empty string, got ${describeValue(name)}`);
  return new HubImpl(bus, name);
}

interface LocalMember {
  readonly id: string;
  readonly rooms: Set<string>;
  readonly watch: Subscription;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

class HubImpl implements Hub {
  readonly status$: Observable<BusStatus>;
  readonly losses$: Observable<HubLoss>;
  readonly #status: BehaviorSubject<BusStatus>;
  readonly #losses = new Subject<HubLoss>();
  readonly #channel: BusChannel | null;
  readonly #idPrefix: string;
  #nextId = 1;
  readonly #members = new Map<ObservablePeer, LocalMember>();
  readonly #byId = new Map<string, ObservablePeer>();
  /** room → this node's members, in join order. */
  readonly #local = new Map<string, Set<ObservablePeer>>();
  /** room → member id → its node, for the other nodes' members. */
  readonly #remote = new Map<string, Map<string, string>>();
  /** room → its member list, for members$. */
  readonly #lists = new Map<string, BehaviorSubject<readonly string[]>>();
  #closed = false;

  constructor(bus: Bus | undefined, name: string) {
    this.#idPrefix = bus === undefined ? '' : `${bus.nodeId}.`;
    this.#status = new BehaviorSubject<BusStatus>(bus?.status ?? { state: 'connected' });
    this.status$ = this.#status.pipe(distinctUntilChanged((a, b) => a.state === b.state));
    this.losses$ = this.#losses.asObservable();
    this.#channel =
      bus === undefined
        ? null
        : bus.channel(`hub:${name}`, {
            message: (message) => this.#fromBus(message),
            entrySet: (key) => this.#remoteChanged(key, true),
            entryDeleted: (key) => this.#remoteChanged(key, false),
            status: (status) => this.#status.next(status),
            loss: (loss) => this.#busLoss(loss),
          });
  }

  idOf(client: ObservablePeer): string {
    return this.#member(client, 'idOf').id;
  }

  join(client: ObservablePeer, room: string): void {
    checkRoom(room, 'join');
    const member = this.#member(client, 'join');
    if (member.rooms.has(room) || member.watch.closed) return;
    member.rooms.add(room);
    let local = this.#local.get(room);
    if (local === undefined) this.#local.set(room, (local = new Set()));
    local.add(client);
    this.#channel?.setEntry(presenceKey(room, member.id), '');
    this.#listChanged(room);
  }

  leave(client: ObservablePeer, room: string): void {
    checkRoom(room, 'leave');
    const member = this.#members.get(client);
    if (member === undefined || !member.rooms.delete(room)) return;
    const local = this.#local.get(room)!;
    local.delete(client);
    if (local.size === 0) this.#local.delete(room);
    this.#channel?.deleteEntry(presenceKey(room, member.id));
    this.#listChanged(room);
    if (member.rooms.size === 0) this.#forget(client, member);
  }

  publish(room: string, message: string | Uint8Array, options: HubPublishOptions = {}): number {
    checkRoom(room, 'publish');
    if (typeof message !== 'string' && !(message instanceof Uint8Array)) {
      throw new TypeError('hub.publish: message must be a string or a Uint8Array');
    }
    checkOptions('hub.publish', options, KNOWN_PUBLISH_OPTIONS);
    if (this.#closed) throw new Error('hub.publish: the hub is closed');
    const except = this.#exceptIds(options.except);
    const sent = this.#deliver(room, message, except);
    this.#channel?.publish(encodeBusMessage(room, message, except));
    return sent;
  }

  members$(room: string): Observable<readonly string[]> {
    checkRoom(room, 'members$');
    return new Observable<readonly string[]>((subscriber) => {
      let list = this.#lists.get(room);
      if (list === undefined) {
        list = new BehaviorSubject<readonly string[]>(this.#membersOf(room));
        this.#lists.set(room, list);
      }
      const inner = list.subscribe(subscriber);
      return () => {
        inner.unsubscribe();
        if (!list.observed) this.#lists.delete(room);
      };
    }).pipe(distinctUntilChanged(sameMembers));
  }

  close(): void {
    if (this.#closed) return;
    for (const [client, member] of [...this.#members]) {
      for (const room of [...member.rooms]) this.leave(client, room);
    }
    this.#closed = true;
    this.#channel?.close();
    for (const list of this.#lists.values()) list.complete();
    this.#lists.clear();
    this.#status.complete();
    this.#losses.complete();
  }

  // ---- private ----

  #member(client: ObservablePeer, caller: string): LocalMember {
    if (typeof client !== 'object' || client === null || typeof client.send !== 'function' || !(client.close$ instanceof Observable)) {
      throw new TypeError(`hub.${caller}: client must be an ObservablePeer (from listen(), attach() or fromPeer())`);
    }
    const known = this.#members.get(client);
    if (known !== undefined) return known;
    if (this.#closed) throw new Error(`hub.${caller}: the hub is closed`);
    const id = `${this.#idPrefix}${this.#nextId++}`;
    // Filled below: a client that is already closed leaves at once (close$ replays synchronously).
    const member: LocalMember = { id, rooms: new Set(), watch: null! };
    (member as { watch: Subscription }).watch = client.close$.subscribe(() => {
      for (const room of [...member.rooms]) this.leave(client, room);
      this.#forget(client, member);
    });
    if (member.watch.closed) return member; // closed already: never a member
    this.#members.set(client, member);
    this.#byId.set(id, client);
    return member;
  }

  #forget(client: ObservablePeer, member: LocalMember): void {
    if (this.#members.get(client) !== member) return;
    this.#members.delete(client);
    this.#byId.delete(member.id);
    member.watch?.unsubscribe();
  }

  #exceptIds(except: HubPublishOptions['except']): Set<string> {
    const ids = new Set<string>();
    if (except === undefined) return ids;
    const list = Array.isArray(except) ? except : [except];
    for (const item of list as (ObservablePeer | string)[]) {
      if (typeof item === 'string') ids.add(item);
      else {
        const member = this.#members.get(item);
        if (member !== undefined) ids.add(member.id);
        else if (typeof item !== 'object' || item === null) throw new TypeError('hub.publish: except must hold ObservablePeers or member ids');
      }
    }
    return ids;
  }

  /** Hands `message` to this node's members of `room`; a refused send is reported, not dropped. */
  #deliver(room: string, message: string | Uint8Array, except: ReadonlySet<string>): number {
    const local = this.#local.get(room);
    if (local === undefined) return 0;
    let sent = 0;
    for (const client of [...local]) {
      const member = this.#members.get(client);
      if (member === undefined || except.has(member.id)) continue;
      const result = client.send(message);
      if (result === ErrorCode.OK) sent++;
      else this.#losses.next({ where: 'client', count: 1, room, member: member.id, cause: `send() returned ${ErrorCode[result]}` });
    }
    return sent;
  }

  #fromBus(bytes: Uint8Array): void {
    const decoded = decodeBusMessage(bytes);
    if (decoded !== null) this.#deliver(decoded.room, decoded.message, decoded.except);
  }

  #remoteChanged(key: string, present: boolean): void {
    const parsed = parsePresenceKey(key);
    if (parsed === null) return;
    const [room, id] = parsed;
    let remote = this.#remote.get(room);
    if (present) {
      if (remote === undefined) this.#remote.set(room, (remote = new Map()));
      remote.set(id, '');
    } else if (remote !== undefined) {
      remote.delete(id);
      if (remote.size === 0) this.#remote.delete(room);
    }
    this.#listChanged(room);
  }

  #busLoss(loss: BusLoss): void {
    this.#losses.next(
      loss.node === undefined
        ? { where: loss.direction, count: loss.count, cause: loss.cause }
        : { where: loss.direction, count: loss.count, node: loss.node, cause: loss.cause },
    );
  }

  #membersOf(room: string): string[] {
    const ids: string[] = [];
    for (const client of this.#local.get(room) ?? []) ids.push(this.#members.get(client)!.id);
    for (const id of this.#remote.get(room)?.keys() ?? []) ids.push(id);
    return ids;
  }

  #listChanged(room: string): void {
    this.#lists.get(room)?.next(this.#membersOf(room));
  }
}

function checkRoom(room: unknown, caller: string): asserts room is string {
  if (typeof room !== 'string' || room === '') throw new TypeError(`hub.${caller}: room must be a non-empty string, got ${describeValue(room)}`);
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

function presenceKey(room: string, id: string): string {
  return JSON.stringify([room, id]);
}

function parsePresenceKey(key: string): [string, string] | null {
  try {
    const parsed: unknown = JSON.parse(key);
    return Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string'
      ? [parsed[0], parsed[1]]
      : null;
  } catch {
    return null;
  }
}

// A published message on the bus: [header length u32 BE][header JSON][payload]. The header
// holds the room, the excluded ids and whether the payload is text.
function encodeBusMessage(room: string, message: string | Uint8Array, except: ReadonlySet<string>): Uint8Array {
  const isText = typeof message === 'string';
  const header = encoder.encode(JSON.stringify({ room, except: [...except], text: isText }));
  const payload = isText ? encoder.encode(message) : message;
  const bytes = new Uint8Array(4 + header.byteLength + payload.byteLength);
  new DataView(bytes.buffer).setUint32(0, header.byteLength);
  bytes.set(header, 4);
  bytes.set(payload, 4 + header.byteLength);
  return bytes;
}

function decodeBusMessage(bytes: Uint8Array): { room: string; message: string | Uint8Array; except: Set<string> } | null {
  if (bytes.byteLength < 4) return null;
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  if (bytes.byteLength < 4 + length) return null;
  try {
    const header = JSON.parse(decoder.decode(bytes.subarray(4, 4 + length))) as { room?: unknown; except?: unknown; text?: unknown };
    if (typeof header.room !== 'string' || !Array.isArray(header.except)) return null;
    const payload = bytes.slice(4 + length);
    return {
      room: header.room,
      message: header.text === true ? decoder.decode(payload) : payload,
      except: new Set(header.except.filter((id): id is string => typeof id === 'string')),
    };
  } catch {
    return null;
  }
}
