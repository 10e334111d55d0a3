export { createMemoryPair } from './memory-pair.js';
export { scriptRemote, type ScriptOptions, type ScriptedRemote } from './scripted-remote.js';
