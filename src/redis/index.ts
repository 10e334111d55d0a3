// rxpeer/redis (Node only): a bus between rxpeer servers in several processes or machines.
export { redisBus, type RedisBus, type RedisBusOptions } from './redis-bus.js';
export type { Bus, BusChannel, BusChannelListener, BusLoss, BusStatus } from '../observable/bus.js';
