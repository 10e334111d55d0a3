// The signal queue behind Godot 3's WebSocketClient / WebSocketServer: listeners run only
// inside poll(), in order, and a throwing listener loses no later event.
import { Signals } from '../../src/peer/signals';

describe('Signals (the queue behind both classes)', () => {
  interface TestSignals {
    a: [n: number];
    b: [];
  }
  class Emitter extends Signals<TestSignals> {
    emitLater(n: number): void {
      this.enqueue(['a', [n]]);
    }
    poll(): void {
      this.flush();
    }
  }

  it('delivers nothing until poll(); a throwing listener loses nothing, the rest come at the next poll()', () => {
    const emitter = new Emitter();
    const seen: number[] = [];
    emitter.on('a', (n) => {
      seen.push(n);
      if (n === 1) throw new Error('listener bug');
    });
    emitter.emitLater(1);
    emitter.emitLater(2);
    emitter.emitLater(3);
    expect(seen).toEqual([]);
    expect(() => emitter.poll()).toThrow('listener bug');
    expect(seen).toEqual([1]);
    emitter.poll();
    expect(seen).toEqual([1, 2, 3]);
  });

  it('a listener added twice runs once; one removed during an emission still runs for it', () => {
    const emitter = new Emitter();
    const seen: string[] = [];
    const second = (): void => {
      seen.push('second');
    };
    const first = (): void => {
      seen.push('first');
      emitter.off('a', second);
    };
    emitter.on('a', first).on('a', first).on('a', second);
    emitter.emitLater(1);
    emitter.emitLater(2);
    emitter.poll();
    expect(seen).toEqual(['first', 'second', 'first']);
  });

  it('with the names given, on()/off() refuse an unknown signal or a non-function with a TypeError and register nothing', () => {
    class Named extends Signals<TestSignals> {
      constructor() {
        super(['a', 'b']);
      }
      emitLater(n: number): void {
        this.enqueue(['a', [n]]);
      }
      poll(): void {
        this.flush();
      }
    }
    const emitter = new Named();
    const seen: number[] = [];
    expect(() => emitter.on('c' as 'a', (n) => seen.push(n))).toThrow(new TypeError('on: unknown signal "c" (signals: a, b)'));
    expect(() => emitter.on('a', 'not a function' as unknown as () => void)).toThrow(TypeError);
    expect(() => emitter.off('a', 'not a function' as unknown as () => void)).toThrow(/^off\("a"\): listener must be a function/);
    emitter.emitLater(1);
    emitter.poll();
    expect(seen).toEqual([]);
  });

  it('clearQueue() drops what poll() has not delivered yet; delivered() runs after each emission, also when a listener throws', () => {
    const done: number[] = [];
    class Tracked extends Emitter {
      clear(): void {
        this.clearQueue();
      }
      protected override delivered([, args]: ['a', [number]] | ['b', []]): void {
        done.push((args as number[])[0] ?? -1);
      }
    }
    const emitter = new Tracked();
    emitter.on('a', (n) => {
      if (n === 2) throw new Error('boom');
    });
    emitter.emitLater(1);
    emitter.clear();
    emitter.poll();
    expect(done).toEqual([]);
    emitter.emitLater(2);
    emitter.emitLater(3);
    expect(() => emitter.poll()).toThrow('boom');
    expect(done).toEqual([2]);
    emitter.poll();
    expect(done).toEqual([2, 3]);
  });
});
