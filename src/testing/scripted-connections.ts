import { Observable } from 'rxjs';
import { emitConnection } from '../observable/connect.js';
import type { ObservablePeer } from '../observable/observable-peer.js';
import { scriptRemote, type ScriptedRemote, type ScriptOptions } from './scripted-remote.js';

/** One connection's script: a marble string, or the script with its own options (`refuse`, `close`, …). */
export type ConnectionScript = string | (ScriptOptions & { script?: string; values?: Record<string, string | Uint8Array> });

export interface ScriptedConnections {
  /** Shaped like `connect()`: each subscription plays the next script and emits one ObservablePeer. */
  readonly connections$: Observable<ObservablePeer>;
  /** One remote per subscription so far, in order: what each connection's remote received. */
  readonly remotes: ScriptedRemote[];
}

/**
 * A `connect()`-shaped connection stream over scripted remotes, for testing reconnecting
 * pipelines in virtual time: subscription n plays `scripts[n]` (see {@link scriptRemote})
 * from the moment of subscribing (`values` and `options` apply to every script unless it
 * brings its own), emits the local side as an ObservablePeer, completes
 * after a clean close and errors with WebSocketCloseError after an unclean one.
 * Unsubscribing closes with 1000. A subscription beyond the last script errors.
 *
 * @example
 * testScheduler.run(({ expectObservable }) => {
 *   const { connections$ } = scriptConnections(['--#', { refuse: true }, '----|']);
 *   // OPEN at 0 (p), a drop at 2, refused 10 ms later, OPEN again 20 ms after that (p), a clean close 4 frames on.
 *   expectObservable(connections$.pipe(reconnect({ initialDelay: 10, jitter: 0 }), map(() => 'p'))).toBe('p 31ms p---|');
 * });
 */
export function scriptConnections(
  scripts: ConnectionScript[],
  values: Record<string, string | Uint8Array> = {},
  options: ScriptOptions = {},
): ScriptedConnections {
  const remotes: ScriptedRemote[] = [];
  const connections$ = new Observable<ObservablePeer>((subscriber) => {
    const index = remotes.length;
    const entry = scripts[index];
    if (entry === undefined) {
      subscriber.error(new Error(`scriptConnections: no script for connection #${index + 1}`));
      return;
    }
    const { script = '', values: ownValues = values, ...ownOptions } = typeof entry === 'string' ? { script: entry } : entry;
    const remote = scriptRemote(script, ownValues, { ...options, ...ownOptions });
    remotes.push(remote);
    return emitConnection(remote.peer, {}, subscriber);
  });
  return { connections$, remotes };
}
