// The rules of godot-demo-projects' networking/websocket_multiplayer "roll" game, with no
// networking in them: the server keeps the player list and whose turn it is; the current
// player rolls 0–99; anyone else trying is a cheat; a player who leaves is removed.

export interface Player {
  id: number;
  name: string;
}

export interface GameState {
  /** In the order they joined (the host, id 1, first). */
  players: Player[];
  /** Id of the player whose turn it is, or null with nobody to play. */
  turn: number | null;
}

/** What an action did: the log line everyone sees, and whether the turn moved on. */
export type ActionResult = { ok: true; roll: number; log: string } | { ok: false; log: string };

/** A player who joined but has not sent a name yet (as the Godot demo shows them). */
export const CONNECTING_NAME = '... connecting ...';
export const MAX_NAME_LENGTH = 24;

export class RollGame {
  readonly #players: Player[] = [];
  readonly #random: () => number;
  #turn = 0;

  /** `random` gives numbers in [0, 1); injected so tests can replay a game exactly. */
  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  get state(): GameState {
    const current = this.#players[this.#turn];
    return { players: this.#players.map((p) => ({ ...p })), turn: current?.id ?? null };
  }

  add(id: number, name = CONNECTING_NAME): void {
    if (this.#players.some((p) => p.id === id)) return;
    this.#players.push({ id, name: cleanName(name) });
  }

  rename(id: number, name: string): boolean {
    const player = this.#players.find((p) => p.id === id);
    if (player === undefined) return false;
    player.name = cleanName(name);
    return true;
  }

  /** Removes a player; the turn stays with whoever had it (or passes on if it was theirs). */
  remove(id: number): boolean {
    const position = this.#players.findIndex((p) => p.id === id);
    if (position < 0) return false;
    this.#players.splice(position, 1);
    if (this.#turn > position) this.#turn -= 1;
    if (this.#turn >= this.#players.length) this.#turn = 0;
    return true;
  }

  /** `id` wants to roll: allowed on their turn only. */
  act(id: number, action = 'roll'): ActionResult {
    const current = this.#players[this.#turn];
    if (current === undefined || current.id !== id) return { ok: false, log: `Someone is trying to cheat! ${id}` };
    const roll = Math.floor(this.#random() * 100);
    this.#turn = (this.#turn + 1) % this.#players.length;
    return { ok: true, roll, log: `${current.name}: ${action}s ${roll}` };
  }
}

function cleanName(name: string): string {
  const trimmed = name.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, MAX_NAME_LENGTH);
  return trimmed === '' ? CONNECTING_NAME : trimmed;
}
