// The subscriber bookkeeping every driver shares (peer-driver.ts), in virtual time: the peer
// is held while anyone subscribes, in any order of leaving; a subscriber added or leaving
// during an emission; the same subscriber twice; a subscription refused because another
// driver holds the peer, and a later one that succeeds once it let go.
import { Subscriber } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { fromPeer, State, type Packet } from 'rxpeer';
import { createMemoryPair } from 'rxpeer/testing';
import { kSetHooks, type PeerHooks } from '../../src/peer/internal';
import type { WebSocketPeer } from '../../src/peer/websocket-peer';

const run = (body: (scheduler: TestScheduler) => void): void => {
  const scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
  scheduler.run(() => body(scheduler));
};

const otherDriver: PeerHooks = { stateChanged: () => {}, wake: () => {} };

/** Whether a driver holds the peer: another one can take it only when none does. */
function isHeld(peer: WebSocketPeer): boolean {
  if (!peer[kSetHooks](otherDriver)) return true;
  peer[kSetHooks](null);
  return false;
}

describe('PeerDriver subscribers', () => {
  it('holds the peer until the last subscriber of any stream leaves, whatever the order', () => {
    run((scheduler) => {
      const [local] = createMemoryPair();
      const socket = fromPeer(local, { scheduler });
      const a = socket.state$.subscribe();
      const b = socket.packets$.subscribe();
      const c = socket.state$.subscribe();
      const d = socket.state$.subscribe();
      expect(isHeld(local)).toBe(true);
      c.unsubscribe();
      a.unsubscribe();
      b.unsubscribe();
      expect(isHeld(local)).toBe(true);
      d.unsubscribe();
      expect(isHeld(local)).toBe(false);
      // And again from nothing.
      const e = socket.packets$.subscribe();
      expect(isHeld(local)).toBe(true);
      e.unsubscribe();
      expect(isHeld(local)).toBe(false);
    });
  });

  it('delivers to the subscribers there were when an emission started, in order', () => {
    run((scheduler) => {
      const [local, remote] = createMemoryPair();
      const socket = fromPeer(local, { scheduler });
      const sender = fromPeer(remote, { scheduler });
      sender.state$.subscribe();
      const heard: string[] = [];
      const late = new Subscriber<Packet>({ next: (p) => heard.push(`late:${p.text}`), error: () => {}, complete: () => {} });
      let third: { unsubscribe(): void } | null = null;
      socket.packets$.subscribe((p) => {
        heard.push(`first:${p.text}`);
        if (p.text === '1') {
          third!.unsubscribe(); // leaves during the emission: hears nothing more
          socket.packets$.subscribe(late); // joins during it: hears the next packet only
        }
      });
      socket.packets$.subscribe((p) => heard.push(`second:${p.text}`));
      third = socket.packets$.subscribe((p) => heard.push(`third:${p.text}`));
      scheduler.schedule(() => sender.send('1'), 1);
      scheduler.schedule(() => sender.send('2'), 2);
      scheduler.flush();
      expect(heard).toEqual(['first:1', 'second:1', 'first:2', 'second:2', 'late:2']);
    });
  });

  it('a new first subscriber gets the packets shown while nobody read them (no poll pending)', () => {
    run((scheduler) => {
      const [local, remote] = createMemoryPair();
      const socket = fromPeer(local, { scheduler });
      const sender = fromPeer(remote, { scheduler });
      sender.state$.subscribe();
      const states = socket.state$.subscribe();
      scheduler.schedule(() => sender.send('kept'), 1);
      scheduler.flush(); // shown by a poll, read by nobody
      states.unsubscribe();
      expect(local.getAvailablePacketCount()).toBe(1);
      const heard: string[] = [];
      socket.packets$.subscribe((p) => heard.push(p.text!));
      scheduler.flush();
      expect(heard).toEqual(['kept']);
    });
  });

  it('counts one subscriber subscribed twice as two subscriptions', () => {
    run((scheduler) => {
      const [local] = createMemoryPair();
      const socket = fromPeer(local, { scheduler });
      const states: State[] = [];
      const subscriber = new Subscriber<State>({ next: (s) => states.push(s), error: () => {}, complete: () => {} });
      socket.state$.subscribe(subscriber);
      socket.state$.subscribe(subscriber);
      const other = socket.state$.subscribe();
      scheduler.flush();
      expect(states).toEqual([State.CONNECTING, State.CONNECTING, State.OPEN, State.OPEN]);
      subscriber.unsubscribe();
      expect(isHeld(local)).toBe(true);
      other.unsubscribe();
      expect(isHeld(local)).toBe(false);
    });
  });

  it('refuses a subscription while another driver holds the peer, and takes the peer once it is free', () => {
    run((scheduler) => {
      const [local] = createMemoryPair();
      const socket = fromPeer(local, { scheduler });
      local[kSetHooks](otherDriver);
      const errors: unknown[] = [];
      socket.state$.subscribe({ error: (e) => errors.push(e) });
      expect(errors).toEqual([new Error('fromPeer: this peer is already driven by another wrapper')]);
      local[kSetHooks](null);
      const states: State[] = [];
      const again = socket.state$.subscribe((s) => states.push(s));
      scheduler.flush();
      expect(states).toEqual([State.CONNECTING, State.OPEN]);
      expect(isHeld(local)).toBe(true);
      again.unsubscribe();
      expect(isHeld(local)).toBe(false);
    });
  });
});
