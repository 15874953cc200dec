import { describe, expect, it } from "vitest";

import { CloudSocketAuth, PlanPublished, PublishedPlansRequest } from "./cloud.js";

describe("cloud socket messages", () => {
  it("accepts a handshake with a token and protocol version", () => {
    expect(CloudSocketAuth.safeParse({ token: "dsk_0123456789abcdef", protocolVersion: 1 }).success).toBe(true);
  });

  it("rejects short tokens, missing versions and unknown keys", () => {
    expect(CloudSocketAuth.safeParse({ token: "short", protocolVersion: 1 }).success).toBe(false);
    expect(CloudSocketAuth.safeParse({ token: "dsk_0123456789abcdef" }).success).toBe(false);
    expect(CloudSocketAuth.safeParse({ token: "dsk_0123456789abcdef", protocolVersion: 1, extra: 1 }).success).toBe(
      false,
    );
  });

  it("validates plan events and requests", () => {
    expect(PlanPublished.safeParse({ siteId: "hq", floorId: "floor-1", version: 2, publishedAt: 1 }).success).toBe(
      true,
    );
    expect(PlanPublished.safeParse({ siteId: "hq", floorId: "floor-1", version: 0, publishedAt: 1 }).success).toBe(
      false,
    );
    expect(PublishedPlansRequest.safeParse({ siteId: "a/b" }).success).toBe(false);
  });
});
