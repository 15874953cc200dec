/**
 * What the gateway remembers of a device's readings to recognise one it already has: per device the boot of
 * its newest reading, that reading's seq and which of the REPLAY_WINDOW seqs up to it arrived (a bitmap indexed
 * by seq modulo the window, as IPsec and DTLS keep theirs). A seq above the newest is new; one inside the window
 * is new unless its bit is set; one below the window is refused as a replay: devices number their readings in
 * order, so a reading that far behind is a copy, not a late original.
 *
 * Kept per device rather than as an index over every reading: such an index has one insertion point per
 * device, and with thousands of devices nearly every stored reading rewrote a page of it.
 */
export const REPLAY_WINDOW = 1024;
const WINDOW_BYTES = REPLAY_WINDOW / 8;

export interface ReadingMark {
  boot: string;
  /** The newest seq of `boot`. */
  seq: number;
  /** Bit `seq % REPLAY_WINDOW` is set when that seq, within the window below `seq`, arrived. */
  seen: Uint8Array;
  /** Receipt time of the newest reading, whatever its boot. */
  receivedAt: number;
  /** Event time of the newest reading applied to state, whatever its boot; null before the first. */
  appliedTs: number | null;
}

export interface MarkedReading {
  boot: string;
  seq: number;
  ts: number;
  receivedAt: number;
  applied: boolean;
}

function bit(seen: Uint8Array, seq: number): boolean {
  const slot = seq % REPLAY_WINDOW;
  return ((seen[slot >> 3] ?? 0) & (1 << (slot & 7))) !== 0;
}

function setBit(seen: Uint8Array, seq: number, on: boolean): void {
  const slot = seq % REPLAY_WINDOW;
  const mask = 1 << (slot & 7);
  const byte = seen[slot >> 3] ?? 0;
  seen[slot >> 3] = on ? byte | mask : byte & ~mask;
}

/** Whether (boot, seq) was already taken, or is too far behind the newest to be anything but a replay. */
export function alreadyTaken(mark: ReadingMark | undefined, boot: string, seq: number): boolean {
  if (mark === undefined || mark.boot !== boot || seq > mark.seq) return false;
  if (seq <= mark.seq - REPLAY_WINDOW) return true;
  return bit(mark.seen, seq);
}

/**
 * The mark after taking `reading`: a new object unless `reuse`, when a mark of the same boot is updated in place
 * (a batch copies each device's committed mark once, then takes its readings into the copy).
 */
export function markTaken(mark: ReadingMark | undefined, reading: MarkedReading, reuse = false): ReadingMark {
  const receivedAt = Math.max(mark?.receivedAt ?? reading.receivedAt, reading.receivedAt);
  const previousApplied = mark?.appliedTs ?? null;
  const appliedTs =
    reading.applied && (previousApplied === null || reading.ts > previousApplied) ? reading.ts : previousApplied;
  if (mark === undefined || mark.boot !== reading.boot) {
    const seen = new Uint8Array(WINDOW_BYTES);
    setBit(seen, reading.seq, true);
    return { boot: reading.boot, seq: reading.seq, seen, receivedAt, appliedTs };
  }
  const next = reuse ? mark : { ...mark, seen: mark.seen.slice() };
  next.receivedAt = receivedAt;
  next.appliedTs = appliedTs;
  // below the window there is no slot of its own (alreadyTaken refuses such a reading)
  if (reading.seq <= mark.seq - REPLAY_WINDOW) return next;
  const seen = next.seen;
  let newest = mark.seq;
  if (reading.seq > newest) {
    // the seqs skipped on the way up have not arrived; their slots still hold seqs a window older
    if (reading.seq - newest >= REPLAY_WINDOW) seen.fill(0);
    else for (let skipped = newest + 1; skipped < reading.seq; skipped += 1) setBit(seen, skipped, false);
    newest = reading.seq;
  }
  setBit(seen, reading.seq, true);
  next.seq = newest;
  return next;
}
