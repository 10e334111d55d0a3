import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { ErrorCode, State } from '../../src/peer/constants.js';
import { TLSOptions } from '../../src/peer/tls-options.js';
import type { WebSocketPeer } from '../../src/peer/websocket-peer.js';
import { generateCertificates, OTHER_NAME, type TestCertificates } from '../helpers/certs.js';
import { cleanUp, newPeer } from '../helpers/cleanup.js';
import { pollUntil, pollUntilState, watch } from '../helpers/poll.js';
import { startServer, type TestServer } from '../helpers/ws-server.js';

let certs: TestCertificates;

beforeAll(() => {
  certs = generateCertificates();
});

afterAll(() => certs?.remove());

afterEach(cleanUp);

const localServer = (): Promise<TestServer> => startServer({ tls: certs.local });
const otherNameServer = (): Promise<TestServer> => startServer({ tls: certs.other });

async function expectRefused(peer: WebSocketPeer, url: string, tls?: TLSOptions): Promise<void> {
  const watched = watch(peer);
  expect(peer.connectToUrl(url, tls)).toBe(ErrorCode.OK);
  await pollUntilState(peer, State.CLOSED);
  expect(watched.states).toEqual([State.CONNECTING, State.CLOSED]);
  expect(peer.getCloseCode()).toBe(-1);
}

/** Connects, expects OPEN, and checks a round trip over the encrypted connection. */
async function expectWorking(server: TestServer, peer: WebSocketPeer, tls?: TLSOptions): Promise<void> {
  expect(peer.connectToUrl(server.url('/secure'), tls)).toBe(ErrorCode.OK);
  await pollUntilState(peer, State.OPEN);
  const conn = await server.connection();
  expect(conn.request.url).toBe('/secure');
  expect((conn.request.socket as TLSSocket).encrypted).toBe(true);
  expect(peer.sendText('over tls')).toBe(ErrorCode.OK);
  expect((await conn.received(1))[0]!.data.toString()).toBe('over tls');
  await conn.send('back');
  await pollUntil(peer, (p) => p.getAvailablePacketCount() === 1, { what: 'the reply' });
  expect(new TextDecoder().decode(peer.getPacket())).toBe('back');
  expect(peer.getConnectedHost()).toBe('127.0.0.1');
  expect(peer.getConnectedPort()).toBe(server.port);
  expect(peer.close(1000, 'done')).toBe(ErrorCode.OK);
  expect(await conn.waitClosed()).toEqual({ code: 1000, reason: 'done' });
  await pollUntilState(peer, State.CLOSED);
  expect(peer.getCloseCode()).toBe(1000);
}

describe('wss://', () => {
  it('the generated certificates are what the tests assume', () => {
    const ca = new X509Certificate(certs.ca);
    const local = new X509Certificate(certs.local.cert);
    const other = new X509Certificate(certs.other.cert);
    expect(ca.ca).toBe(true);
    expect(local.verify(ca.publicKey)).toBe(true);
    expect(other.verify(ca.publicKey)).toBe(true);
    expect(local.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(local.checkHost('localhost')).toBe('localhost');
    expect(other.checkHost(OTHER_NAME)).toBe(OTHER_NAME);
    expect(other.checkIP('127.0.0.1')).toBeUndefined();
    expect(local.verify(new X509Certificate(certs.unrelatedCa).publicKey)).toBe(false);
  });

  it('refuses a certificate from an unknown CA by default', async () => {
    const server = await localServer();
    await expectRefused(newPeer(), server.url());
    expect(server.connections).toHaveLength(0);
  });

  it('refuses it with TLSOptions.client() and no trustedCa too', async () => {
    const server = await localServer();
    await expectRefused(newPeer(), server.url(), TLSOptions.client());
    expect(server.connections).toHaveLength(0);
  });

  it('accepts it with TLSOptions.client({ trustedCa })', async () => {
    const server = await localServer();
    await expectWorking(server, newPeer(), TLSOptions.client({ trustedCa: certs.ca }));
  });

  it('takes trustedCa as bytes too', async () => {
    const server = await localServer();
    const caBytes = new TextEncoder().encode(certs.ca);
    await expectWorking(server, newPeer(), TLSOptions.client({ trustedCa: caBytes }));
  });

  it('refuses a certificate for another name even from the trusted CA', async () => {
    const server = await otherNameServer();
    await expectRefused(newPeer(), server.url(), TLSOptions.client({ trustedCa: certs.ca }));
    expect(server.connections).toHaveLength(0);
  });

  it('accepts a certificate for another name with commonNameOverride', async () => {
    const server = await otherNameServer();
    await expectWorking(server, newPeer(), TLSOptions.client({ trustedCa: certs.ca, commonNameOverride: OTHER_NAME }));
  });

  it('commonNameOverride still verifies: a wrong name is refused', async () => {
    const server = await localServer();
    await expectRefused(
      newPeer(),
      server.url(),
      TLSOptions.client({ trustedCa: certs.ca, commonNameOverride: OTHER_NAME }),
    );
  });

  it('commonNameOverride does not replace the CA check', async () => {
    const server = await otherNameServer();
    await expectRefused(newPeer(), server.url(), TLSOptions.client({ commonNameOverride: OTHER_NAME }));
  });

  it('accepts anything with TLSOptions.clientUnsafe()', async () => {
    const server = await otherNameServer(); // unknown CA and the wrong name
    await expectWorking(server, newPeer(), TLSOptions.clientUnsafe());
  });

  it('clientUnsafe({ trustedCa }) still verifies the chain, but not the name (as Godot)', async () => {
    const server = await otherNameServer(); // our CA, the wrong name
    await expectWorking(server, newPeer(), TLSOptions.clientUnsafe({ trustedCa: certs.ca }));
  });

  it('clientUnsafe({ trustedCa }) refuses a certificate that CA did not sign', async () => {
    const server = await localServer();
    await expectRefused(newPeer(), server.url(), TLSOptions.clientUnsafe({ trustedCa: certs.unrelatedCa }));
    expect(server.connections).toHaveLength(0);
  });

  it('client({ trustedCa }) with a CA that did not sign the certificate is refused', async () => {
    const server = await localServer();
    await expectRefused(newPeer(), server.url(), TLSOptions.client({ trustedCa: certs.unrelatedCa }));
  });

  it('sends commonNameOverride as the SNI server name, as Godot does', async () => {
    const server = await otherNameServer();
    const names: (string | false | null)[] = [];
    server.http.on('secureConnection', (socket: TLSSocket) => names.push(socket.servername));
    await expectWorking(server, newPeer(), TLSOptions.client({ trustedCa: certs.ca, commonNameOverride: OTHER_NAME }));
    expect(names).toEqual([OTHER_NAME]);
  });

  it('a ws:// server is not a wss:// one', async () => {
    const plain = await startServer();
    await expectRefused(newPeer(), `wss://127.0.0.1:${plain.port}/`, TLSOptions.clientUnsafe());
  });
});
