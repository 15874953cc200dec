import type { Logger } from "pino";
import type { Socket } from "socket.io-client";

import {
  DOWNLINK_PARTS,
  DownlinkChanged,
  DownlinkSnapshot,
  type DownlinkPart,
  type DownlinkRevisions,
  type GatewayLinkClientToServerEvents,
  type GatewayServerToClientEvents,
} from "@desksharing/protocol";

import type { DownlinkCache } from "./cache.js";

/** The edge's socket on `/gateway` (the same type as the uplink's). */
export type DownlinkSocket = Socket<GatewayServerToClientEvents, GatewayLinkClientToServerEvents>;

export interface DownlinkOptions {
  /** The site this edge serves; a snapshot or notice of any other site is refused. */
  siteId: string;
  logger: Logger;
  /** Called after a commit that changed these parts of the cache. */
  onChange?: (parts: DownlinkPart[]) => void;
  now?: () => number;
  ackTimeoutMs?: number;
  /** Asks again this long after a fetch failed (timeout, UNAVAILABLE) while the link stays up. */
  retryMs?: number;
}

/** Codes after which asking again cannot help until something changes (a new connection or notice). */
const FINAL = new Set(["FORBIDDEN", "VALIDATION_FAILED", "NOT_FOUND"]);

type Outcome = "done" | "retry";

/**
 * Keeps the cache current over one socket (CloudLink makes a new one after each reconnect; hang this on each):
 * on every connect it asks for all parts, naming the revisions it holds, and on every `downlink:changed` it asks
 * for the parts whose revision differs from the cache's. One request at a time; what arrives meanwhile is merged
 * into the next. Everything is validated against the protocol first: anything invalid is logged and leaves the
 * cache as it was. The cache is written in one transaction, then `onChange` hears which parts changed.
 */
export function attachDownlink(socket: DownlinkSocket, cache: DownlinkCache, options: DownlinkOptions): void {
  const { siteId, logger } = options;
  const now = options.now ?? Date.now;
  const ackTimeoutMs = options.ackTimeoutMs ?? 30_000;
  const retryMs = options.retryMs ?? 5_000;
  /** Parts to fetch, with the revision a notice announced (null: whatever is current). */
  const pending = new Map<DownlinkPart, string | null>();
  let busy = false;
  let retryTimer: NodeJS.Timeout | null = null;

  const want = (part: DownlinkPart, revision: string | null): void => {
    const queued = pending.get(part);
    pending.set(part, queued === null || revision === null ? null : revision);
  };

  const fetchParts = async (parts: DownlinkPart[]): Promise<Outcome> => {
    const held = cache.known(siteId);
    const known: DownlinkRevisions = {};
    for (const part of parts) if (held[part] !== undefined) known[part] = held[part];
    const started = now();
    let reply: unknown;
    try {
      reply = await socket.timeout(ackTimeoutMs).emitWithAck("downlink:snapshot", { siteId, parts, known });
    } catch {
      logger.warn({ parts }, "downlink: no answer from the cloud; asking again later");
      return "retry";
    }
    if (typeof reply !== "object" || reply === null || !("ok" in reply)) {
      logger.error({ parts }, "downlink: the cloud's answer is not an acknowledgement; cache unchanged");
      return "done";
    }
    if (reply.ok !== true) {
      const error = (reply as { error?: { code?: unknown; message?: unknown } }).error;
      const code = typeof error?.code === "string" ? error.code : "unknown";
      logger.error({ parts, code, reason: error?.message }, "downlink: the cloud refuses the snapshot request");
      return FINAL.has(code) ? "done" : "retry";
    }
    const parsed = DownlinkSnapshot.safeParse((reply as { data?: unknown }).data);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 5).map((issue) => ({ path: issue.path, message: issue.message }));
      logger.error({ parts, issues }, "downlink: invalid snapshot from the cloud; cache unchanged");
      return "done";
    }
    const snapshot = parsed.data;
    const missing = parts.filter(
      (part) => snapshot[part] === undefined && !(snapshot.unchanged.includes(part) && known[part] !== undefined),
    );
    const unasked = DOWNLINK_PARTS.filter((part) => !parts.includes(part) && snapshot[part] !== undefined);
    if (snapshot.siteId !== siteId || missing.length > 0 || unasked.length > 0) {
      logger.error(
        { parts, siteId: snapshot.siteId, missing, unasked },
        "downlink: the snapshot does not answer the request; cache unchanged",
      );
      return "done";
    }
    const changed = cache.apply(snapshot, now());
    logger.info(
      { changed, unchanged: snapshot.unchanged, revisions: cache.known(siteId), ms: now() - started },
      changed.length > 0 ? "downlink: cache updated" : "downlink: cache current",
    );
    if (changed.length > 0) {
      try {
        options.onChange?.(changed);
      } catch (error) {
        logger.error({ err: error }, "downlink: a change listener failed");
      }
    }
    return "done";
  };

  const drain = async (): Promise<void> => {
    if (busy || !socket.connected) return;
    const held = cache.known(siteId);
    const parts = [...pending].filter(([part, revision]) => revision === null || held[part] !== revision);
    pending.clear();
    if (parts.length === 0) return;
    busy = true;
    let outcome: Outcome;
    try {
      outcome = await fetchParts(parts.map(([part]) => part));
    } catch (error) {
      logger.error({ err: error }, "downlink: cannot write the cache");
      outcome = "done";
    } finally {
      busy = false;
    }
    if (outcome === "retry") {
      for (const [part, revision] of parts) want(part, revision);
      if (socket.connected && retryTimer === null) {
        retryTimer = setTimeout(() => {
          retryTimer = null;
          void drain();
        }, retryMs);
      }
      return;
    }
    void drain();
  };

  socket.on("connect", () => {
    for (const part of DOWNLINK_PARTS) want(part, null);
    void drain();
  });
  socket.on("disconnect", () => {
    if (retryTimer !== null) clearTimeout(retryTimer);
    retryTimer = null;
    pending.clear();
  });
  socket.on("downlink:changed", (event) => {
    const parsed = DownlinkChanged.safeParse(event);
    if (!parsed.success || parsed.data.siteId !== siteId) {
      logger.error({ siteId: parsed.success ? parsed.data.siteId : undefined }, "downlink: invalid change notice");
      return;
    }
    for (const part of DOWNLINK_PARTS) {
      const revision = parsed.data.revisions[part];
      if (revision !== undefined) want(part, revision);
    }
    void drain();
  });
}
