// prepareSessionPeer(): how a connection's peer is set up to carry a session, after the
// user's options: the session subprotocol on each application one, room for the session
// header, and no outbound limits of the peer's own (the session's buffer bounds them).
import { WebSocketPeer } from 'rxpeer';
import { prepareSessionPeer } from '../../../src/observable/session/transport-settings';
import { MAX_DATA_HEADER, SESSION_PROTOCOL, sessionProtocolFor } from '../../../src/observable/session/wire';

describe('prepareSessionPeer', () => {
  it('a client offers only session protocols, one per application protocol, in order', () => {
    const peer = new WebSocketPeer();
    peer.supportedProtocols = ['chat', 'game'];
    prepareSessionPeer(peer, 'client');
    expect(peer.supportedProtocols).toEqual([sessionProtocolFor('chat'), sessionProtocolFor('game')]);
  });

  it('without application protocols, the bare session protocol', () => {
    const client = new WebSocketPeer();
    prepareSessionPeer(client, 'client');
    expect(client.supportedProtocols).toEqual([SESSION_PROTOCOL]);
    const server = new WebSocketPeer();
    prepareSessionPeer(server, 'server');
    expect(server.supportedProtocols).toEqual([SESSION_PROTOCOL]);
  });

  it('a server accepts the session protocols first, then the plain ones (clients without resume)', () => {
    const peer = new WebSocketPeer();
    peer.supportedProtocols = ['chat'];
    prepareSessionPeer(peer, 'server');
    expect(peer.supportedProtocols).toEqual([sessionProtocolFor('chat'), 'chat']);
  });

  it("adds the header's room to the inbound limit the user chose, and lifts the outbound limits", () => {
    const peer = new WebSocketPeer();
    peer.inboundBufferSize = 1000;
    peer.outboundBufferSize = 5000;
    peer.maxQueuedPackets = 8;
    prepareSessionPeer(peer, 'client');
    expect(peer.inboundBufferSize).toBe(1000 + MAX_DATA_HEADER);
    expect(peer.outboundBufferSize).toBe(0);
    expect(peer.maxQueuedPackets).toBe(2 ** 31 - 1);
  });
});
