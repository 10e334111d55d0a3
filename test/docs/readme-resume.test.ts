// The README's resume examples, run as written (the fixed port swapped for a free one and,
// for the expiry case, the window shortened), with what their users meet: the echo lost in
// flight by a dropped connection, a client that does not come back in time, a server that stops.
import type { Subscription } from 'rxjs';
import { CuttingProxy } from '../helpers/cutting-proxy.js';
import { within } from '../helpers/poll.js';
import { readmeBlock, runExample } from '../helpers/readme.js';

const HEADING = '## Sessions that survive a dropped connection (`resume`)';
const running: Subscription[] = [];
const proxies: CuttingProxy[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) s.unsubscribe();
  for (const proxy of proxies.splice(0)) await proxy.stop();
});

async function startServerExample() {
  const example = runExample<{ server: Subscription }>(readmeBlock(HEADING, 'listen(8080'), { replace: { '8080': '0' }, bindings: ['server'] });
  running.push(example.bindings.server);
  const line = await within(example.logged(/^listening on \d+$/), 'the server example to listen');
  const proxy = await CuttingProxy.start(Number(line.split(' ').pop()));
  proxies.push(proxy);
  return { example, proxy };
}

function startClientExample(port: number, replace: Record<string, string> = {}) {
  const example = runExample<{ subscription: Subscription }>(readmeBlock(HEADING, "connect('ws://127.0.0.1:8080'"), {
    replace: { '8080': String(port), ...replace },
    bindings: ['subscription'],
  });
  running.push(example.bindings.subscription);
  return example;
}

describe('README: Sessions that survive a dropped connection', () => {
  it('the echo lost in flight by a dropped connection arrives once, after the reconnect', async () => {
    const { proxy } = await startServerExample();
    let dropped = false;
    proxy.dropWhen = (chunk, toClient) => (dropped = toClient && chunk.includes('echo: hello'));
    const client = startClientExample(proxy.port);
    await within(client.logged(/^echo: hello$/), 'the echo');
    expect(dropped).toBe(true);
    expect(proxy.accepted).toBe(2);
    expect(client.logs).toEqual(['echo: hello']);
    expect(client.bindings.subscription.closed).toBe(false);
  });

  it('a client that cannot come back within the window is told why', async () => {
    const { proxy } = await startServerExample();
    const client = startClientExample(proxy.port, { '30_000': '300' });
    await within(client.logged(/^echo: hello$/), 'the echo');
    proxy.refusing = true;
    proxy.cut('rst');
    expect(await within(client.logged(/^session lost/), 'the loss')).toBe(
      'session lost: no reconnect within windowMs (300 ms); the session was given up',
    );
  });

  it('a server that stops ends the session cleanly: the client stream completes', async () => {
    const { example, proxy } = await startServerExample();
    const client = startClientExample(proxy.port);
    await within(client.logged(/^echo: hello$/), 'the echo');
    const done = new Promise<void>((resolve) => client.bindings.subscription.add(resolve));
    example.bindings.server.unsubscribe();
    await within(done, 'the client stream to end');
    expect(client.logs).toEqual(['echo: hello']);
  });
});
