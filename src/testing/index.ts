export { createMemoryPair } from './memory-pair.js';
