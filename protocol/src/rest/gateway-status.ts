import { z } from "zod";

import { Id } from "../ids.js";

const Timestamp = z.iso.datetime({ offset: true }).describe("ISO 8601 timestamp");

/**
 * How a site's gateway is doing, as the cloud sees it (`GET /api/v1/sites/:siteId/gateways`). `lagMs` is how far
 * behind the cloud is: now minus the oldest event still waiting in the gateway's outbox (0 when its last status
 * reported an empty outbox, null before the first status).
 */
export const GatewayLinkState = z.strictObject({
  credentialId: Id,
  name: z.string(),
  connected: z.boolean(),
  lastContactAt: Timestamp.nullable(),
  newestEventAt: Timestamp.nullable(),
  lagMs: z.number().int().nonnegative().nullable(),
  outboxDepth: z.number().int().nonnegative().nullable(),
  oldestUnsentAt: Timestamp.nullable(),
  droppedTotal: z.number().int().nonnegative().nullable(),
  statusAt: Timestamp.nullable(),
  eventsStored: z.number().int().nonnegative(),
});
export type GatewayLinkState = z.infer<typeof GatewayLinkState>;
