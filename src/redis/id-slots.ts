// Client ids unique across a cluster without asking Redis for each one: the 31-bit id space
// is cut into 1024 slots of 2²¹ ids, each node leases one slot in Redis (renewed with its
// heartbeat) and makes ids inside it on its own, synchronously. Pure functions, no state.
import { MAX_PEER_ID, MIN_CLIENT_ID } from '../peer/multiplayer/wire-format.js';

export const SLOT_BITS = 10;
export const SLOT_COUNT = 2 ** SLOT_BITS;
const IDS_PER_SLOT = (MAX_PEER_ID + 1) / SLOT_COUNT; // 2²¹
const RANDOM_TRIES = 64;

/** The slot an id belongs to. */
export function slotOf(id: number): number {
  return Math.floor(id / IDS_PER_SLOT);
}

/** A random id of `slot` that `isTaken` does not refuse; null when the slot is full. */
export function idInSlot(slot: number, isTaken: (id: number) => boolean, random: () => number = Math.random): number | null {
  const base = slot * IDS_PER_SLOT;
  const usable = (id: number): boolean => id >= MIN_CLIENT_ID && !isTaken(id);
  for (let i = 0; i < RANDOM_TRIES; i++) {
    const id = base + Math.floor(random() * IDS_PER_SLOT);
    if (usable(id)) return id;
  }
  // Crowded: look at every id once, from a random place.
  const start = Math.floor(random() * IDS_PER_SLOT);
  for (let i = 0; i < IDS_PER_SLOT; i++) {
    const id = base + ((start + i) % IDS_PER_SLOT);
    if (usable(id)) return id;
  }
  return null;
}
