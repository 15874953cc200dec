import type { KioskDelta, KioskSnapshot } from "@desksharing/protocol";

import {
  INITIAL_KIOSK_STATE,
  applyDelta,
  applySnapshot,
  confirm,
  connected,
  connectionLost,
  refused,
  type KioskState,
} from "./kiosk-state.js";

type Listener = () => void;

/**
 * Holds the kiosk state and tells subscribers when it changes (shaped for React's `useSyncExternalStore`).
 * The clock is a parameter so that tests control time.
 */
export class KioskStore {
  #state: KioskState = INITIAL_KIOSK_STATE;
  readonly #listeners = new Set<Listener>();

  constructor(private readonly now: () => number = Date.now) {}

  getState = (): KioskState => this.#state;

  subscribe = (listener: Listener): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  snapshot(snapshot: KioskSnapshot): void {
    this.#set(applySnapshot(this.#state, snapshot, this.now()));
  }

  /** Folds a delta in; returns true when a gap was seen and a resync is needed. */
  delta(delta: KioskDelta): boolean {
    const outcome = applyDelta(this.#state, delta, this.now());
    this.#set(outcome.state);
    return outcome.kind === "gap";
  }

  heartbeat(): void {
    this.#set(confirm(this.#state, this.now()));
  }

  connected(): void {
    this.#set(connected(this.#state));
  }

  lost(): void {
    this.#set(connectionLost(this.#state));
  }

  refused(reason: "unauthorised" | "incompatible"): void {
    this.#set(refused(reason));
  }

  #set(next: KioskState): void {
    if (next === this.#state) return;
    this.#state = next;
    for (const listener of this.#listeners) listener();
  }
}
