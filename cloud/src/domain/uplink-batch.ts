import type { DeskState, DeviceAvailabilityState, RoomState, UplinkEvent } from "@desksharing/protocol";

/** Events stamped further ahead than this are refused: they would pin current state until the clock caught up. */
export const MAX_FUTURE_SKEW_MS = 10 * 60_000;

/** Positions of events stamped too far in the future (the edge rejects skew beyond ±10 min, so these are bugs). */
export function futureEvents(events: readonly UplinkEvent[], now: number): number[] {
  return events.flatMap((event, index) => (event.at > now + MAX_FUTURE_SKEW_MS ? [index] : []));
}

/** The first of each id; a gateway resending inside one batch counts the rest as duplicates. */
export function firstOfEachId(events: readonly UplinkEvent[]): UplinkEvent[] {
  const seen = new Set<string>();
  return events.filter((event) => !seen.has(event.id) && seen.add(event.id));
}

/** The protocol id an event is about: its desk, room or device. */
export function subjectOf(event: UplinkEvent): string {
  switch (event.type) {
    case "desk-state":
      return event.state.deskId;
    case "room-state":
      return event.state.roomId;
    case "device-state":
    case "reading":
      return event.deviceId;
  }
}

export interface Latest<T> {
  siteKey: string;
  eventId: string;
  at: number;
  state: T;
}

export interface LatestStates {
  desks: Latest<DeskState>[];
  rooms: Latest<RoomState>[];
  devices: Latest<DeviceAvailabilityState>[];
}

/**
 * The newest state per desk, room and device among these events (by event time; of equal times the later in the
 * batch, which is the outbox order). Readings are history only: the edge decides desk and room state and sends it
 * as state events, so readings (live or historical) never move current state.
 */
export function latestStates(events: readonly UplinkEvent[]): LatestStates {
  const desks = new Map<string, Latest<DeskState>>();
  const rooms = new Map<string, Latest<RoomState>>();
  const devices = new Map<string, Latest<DeviceAvailabilityState>>();
  const keep = <T>(map: Map<string, Latest<T>>, event: UplinkEvent, state: T): void => {
    const key = `${event.siteId}\u0000${subjectOf(event)}`;
    const current = map.get(key);
    if (current === undefined || event.at >= current.at) {
      map.set(key, { siteKey: event.siteId, eventId: event.id, at: event.at, state });
    }
  };
  for (const event of events) {
    switch (event.type) {
      case "desk-state":
        keep(desks, event, event.state);
        break;
      case "room-state":
        keep(rooms, event, event.state);
        break;
      case "device-state":
        keep(devices, event, {
          deviceId: event.deviceId,
          availability: event.availability,
          lifecycle: event.lifecycle ?? null,
          battery: event.battery ?? null,
          at: event.at,
        });
        break;
      case "reading":
        break;
    }
  }
  // Sorted by key, so that concurrent transactions lock the same rows in the same order (no deadlocks).
  const sorted = <T>(map: Map<string, Latest<T>>): Latest<T>[] =>
    [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, entry]) => entry);
  return { desks: sorted(desks), rooms: sorted(rooms), devices: sorted(devices) };
}
