import { readFileSync, statSync, writeFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import { credentialPaths, provisionSite } from "./provision.js";
import { createSite, query, smallPlan } from "./testing/harness.js";

describe("provisionSite", () => {
  it("gives every sensor its own secret, stores only hashes and keeps secrets on a second run", async () => {
    const site = createSite();
    const first = await provisionSite({
      dataDir: site.dataDir,
      siteId: site.siteId,
      plans: [smallPlan(site.siteId, 2)],
    });
    expect(first.fleet.devices.map((d) => d.deviceId)).toEqual(["pir-1", "pir-2", "cnt-1"]);
    expect(first.fleet.devices.map((d) => d.profile)).toEqual(["pir-desk", "pir-desk", "room-counter"]);
    expect(new Set(first.fleet.devices.map((d) => d.password)).size).toBe(3);
    expect(first.fleet.devices.every((d) => Buffer.from(d.password, "base64url").length >= 16)).toBe(true);
    for (const file of Object.values(credentialPaths(site.dataDir))) expect(statSync(file).mode & 0o777).toBe(0o600);

    const stored = query<{ secret_hash: Buffer }>(site, "SELECT secret_hash FROM credentials");
    const dbText = stored.map((row) => row.secret_hash.toString("latin1")).join("");
    for (const d of first.fleet.devices) expect(dbText).not.toContain(d.password);
    expect(stored.every((row) => row.secret_hash.length === 32)).toBe(true);

    const second = await provisionSite({
      dataDir: site.dataDir,
      siteId: site.siteId,
      plans: [smallPlan(site.siteId, 3)],
    });
    expect(second.kioskToken).toBe(first.kioskToken);
    expect(second.fleet.devices.slice(0, 2)).toEqual(first.fleet.devices.slice(0, 2));
    expect(second.fleet.devices.map((d) => d.deviceId)).toEqual(["pir-1", "pir-2", "pir-3", "cnt-1"]);
    expect(JSON.parse(readFileSync(second.fleetPath, "utf8"))).toEqual(second.fleet);
  });

  it("replaces a secret whose file copy no longer matches its hash", async () => {
    const site = createSite();
    const plans = [smallPlan(site.siteId, 1)];
    const first = await provisionSite({ dataDir: site.dataDir, siteId: site.siteId, plans });
    const paths = credentialPaths(site.dataDir);
    writeFileSync(paths.kiosk, JSON.stringify({ siteId: site.siteId, kioskId: "kiosk-1", token: "t".repeat(40) }));
    const second = await provisionSite({ dataDir: site.dataDir, siteId: site.siteId, plans });
    expect(second.kioskToken).not.toBe(first.kioskToken);
    expect(second.kioskToken).not.toBe("t".repeat(40));
  });
});
