export { createMemoryPair } from './memory-pair.js';
export { scriptRemote, type ScriptOptions, type ScriptedRemote } from './scripted-remote.js';
export { scriptConnections, type ConnectionScript, type ScriptedConnections } from './scripted-connections.js';
export {
  createMemoryNetwork,
  MemoryNetwork,
  type HalfOpenConnection,
  type RawMemoryListener,
} from '../peer/multiplayer/memory-network.js';
