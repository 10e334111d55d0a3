// createHub() without a bus: rooms in one process, over real sockets.
import { firstValueFrom, toArray } from 'rxjs';
import { createHub, type Hub, type HubLoss } from 'rxpeer';
import { ChatClient, type ChatNode, chatNode, membersUntil } from '../helpers/chat-hub.js';

let hub: Hub;
let node: ChatNode;
const clients: ChatClient[] = [];

beforeEach(async () => {
  hub = createHub();
  node = await chatNode(hub);
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  node.stop();
  hub.close();
});

async function client(): Promise<ChatClient> {
  const c = await ChatClient.open(node.port);
  clients.push(c);
  return c;
}

describe('createHub() in one process', () => {
  it('publishes to the room but the sender, and members$ follows joins and drops', async () => {
    const alice = await client();
    const bob = await client();
    const carol = await client();
    const ids = await membersUntil(hub, 'lobby', (m) => m.length === 3);
    expect(ids).toEqual(['1', '2', '3']);

    alice.send('hello');
    await bob.hears('1: hello');
    await carol.hears('1: hello');
    bob.send(new Uint8Array([7, 8]));
    await alice.hears('bytes:7,8');
    await carol.hears('bytes:7,8');
    expect(alice.received).toEqual(['bytes:7,8']); // never its own message

    carol.drop(); // a client that drops leaves every room
    expect(await membersUntil(hub, 'lobby', (m) => m.length === 2)).toEqual(['1', '2']);
    alice.send('still here');
    await bob.hears('1: still here');
  });

  it('join/leave by hand, several rooms, except by id, and publish returns how many it reached', async () => {
    const alice = await client();
    const bob = await client();
    await membersUntil(hub, 'lobby', (m) => m.length === 2);
    const [a, b] = node.clients;
    hub.join(a!, 'red');
    hub.join(b!, 'red');
    hub.join(b!, 'red'); // twice is once
    expect(await membersUntil(hub, 'red', (m) => m.length === 2)).toEqual([hub.idOf(a!), hub.idOf(b!)]);
    expect(hub.publish('red', 'to red')).toBe(2);
    await alice.hears('to red');
    await bob.hears('to red');
    expect(hub.publish('red', 'not to bob', { except: [hub.idOf(b!)] })).toBe(1);
    await alice.hears('not to bob');
    hub.leave(a!, 'red');
    expect(await membersUntil(hub, 'red', (m) => m.length === 1)).toEqual([hub.idOf(b!)]);
    expect(hub.publish('nobody-here', 'x')).toBe(0);
    expect(bob.received).toEqual(['to red']);
  });

  it('reports a send that a client refused instead of dropping it', async () => {
    await client();
    await membersUntil(hub, 'lobby', (m) => m.length === 1);
    const [a] = node.clients;
    const losses: HubLoss[] = [];
    hub.losses$.subscribe((loss) => losses.push(loss));
    a!.close(1000); // CLOSING: it is still a member until the close completes, and sends fail
    expect(hub.publish('lobby', 'too late')).toBe(0);
    expect(losses).toEqual([{ where: 'client', count: 1, room: 'lobby', member: hub.idOf(a!), cause: 'send() returned FAILED' }]);
    expect(await membersUntil(hub, 'lobby', (m) => m.length === 0)).toEqual([]);
  });

  it('close(): everyone leaves and the streams complete', async () => {
    await client();
    await membersUntil(hub, 'lobby', (m) => m.length === 1);
    const lists = firstValueFrom(hub.members$('lobby').pipe(toArray()));
    hub.close();
    expect(await lists).toEqual([['1'], []]);
    expect(() => hub.publish('lobby', 'x')).toThrow(/the hub is closed/);
  });

  it('refuses bad arguments, naming them', () => {
    expect(() => createHub({ buss: 1 } as never)).toThrow(/unknown option "buss"/);
    expect(() => createHub({ bus: {} as never })).toThrow(/bus must be a Bus/);
    expect(() => hub.join({} as never, 'x')).toThrow(/client must be an ObservablePeer/);
    expect(() => hub.publish('', 'x')).toThrow(/room must be a non-empty string/);
    expect(() => hub.publish('x', 5 as never)).toThrow(/message must be a string or a Uint8Array/);
    expect(() => hub.publish('x', 'y', { exept: 1 } as never)).toThrow(/unknown option "exept"/);
  });
});
