import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";

import { FloorPlan } from "@desksharing/protocol";
import { describe, expect, it } from "vitest";

import { OBSERVER_USERNAME } from "./adapters/embedded-broker.js";
import { mosquittoPasswordHash, parseMosquittoPasswordFile } from "./adapters/mosquitto-files.js";
import { PlanError } from "./plans.js";
import { credentialPaths, MqttLogin, ObserverCredentials, provisionSite } from "./provision.js";
import { createSite, query, smallPlan } from "./testing/harness.js";

/** Whether a `$7$` hash of a Mosquitto password file is the hash of `password` (its own salt, hashed again). */
function hashMatches(hash: string | undefined, password: string): boolean {
  const salt = Buffer.from(hash?.split("$")[3] ?? "", "base64");
  return hash !== undefined && mosquittoPasswordHash(password, salt) === hash;
}

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

  it("writes Mosquitto's password and ACL files for every device, the gateway and the observer, kept current", async () => {
    const site = createSite();
    const provision = (desks: number) =>
      provisionSite({ dataDir: site.dataDir, siteId: site.siteId, plans: [smallPlan(site.siteId, desks)] });
    const paths = credentialPaths(site.dataDir);
    const first = await provision(2);
    const gateway = `desk-edge-${site.siteId}`;
    expect(first.gatewayLogin.username).toBe(gateway);
    expect(MqttLogin.parse(JSON.parse(readFileSync(paths.gatewayMqtt, "utf8")))).toEqual(first.gatewayLogin);
    const observer = ObserverCredentials.parse(JSON.parse(readFileSync(paths.observer, "utf8")));
    const hashes = parseMosquittoPasswordFile(readFileSync(paths.mosquittoPasswords, "utf8"));
    expect([...hashes.keys()]).toEqual([gateway, OBSERVER_USERNAME, "pir-1", "pir-2", "cnt-1"]);
    expect(hashMatches(hashes.get(gateway), first.gatewayLogin.password)).toBe(true);
    expect(hashMatches(hashes.get(OBSERVER_USERNAME), observer.password)).toBe(true);
    for (const d of first.fleet.devices) expect(hashMatches(hashes.get(d.deviceId), d.password)).toBe(true);
    expect(hashMatches(hashes.get("pir-1"), first.fleet.devices[1]?.password ?? "")).toBe(false);
    const acl = readFileSync(paths.mosquittoAcl, "utf8");
    expect(acl).toContain(`user ${gateway}\ntopic read desksharing/v1/${site.siteId}/devices/+/+\n`);
    expect(acl).toContain(`user pir-2\ntopic write desksharing/v1/${site.siteId}/devices/pir-2/state\n`);

    const passwordFile = readFileSync(paths.mosquittoPasswords, "utf8");
    const second = await provision(2);
    expect(second.gatewayLogin).toEqual(first.gatewayLogin);
    expect(readFileSync(paths.mosquittoPasswords, "utf8")).toBe(passwordFile);
    expect(readFileSync(paths.mosquittoAcl, "utf8")).toBe(acl);

    // pir-1's file copy no longer matches its stored hash: it gets a new password, and only its line changes
    const fleet = JSON.parse(readFileSync(paths.fleet, "utf8")) as typeof first.fleet;
    fleet.devices[0]!.password = "x".repeat(32);
    writeFileSync(paths.fleet, JSON.stringify(fleet));
    const third = await provision(3);
    const after = parseMosquittoPasswordFile(readFileSync(paths.mosquittoPasswords, "utf8"));
    expect([...after.keys()]).toEqual([gateway, OBSERVER_USERNAME, "pir-1", "pir-2", "pir-3", "cnt-1"]);
    const pir1 = third.fleet.devices[0]?.password ?? "";
    expect(pir1).not.toBe(first.fleet.devices[0]?.password);
    expect(hashMatches(after.get("pir-1"), pir1)).toBe(true);
    expect(hashMatches(after.get("pir-3"), third.fleet.devices[2]?.password ?? "")).toBe(true);
    for (const user of [gateway, OBSERVER_USERNAME, "pir-2", "cnt-1"]) expect(after.get(user)).toBe(hashes.get(user));
    expect(readFileSync(paths.mosquittoAcl, "utf8")).toContain(
      `user pir-3\ntopic write desksharing/v1/${site.siteId}/devices/pir-3/state\n`,
    );
  });

  it("refuses a sensor named like one of the edge's own MQTT logins", () => {
    const site = createSite();
    const plan = smallPlan(site.siteId, 1);
    const renamed = FloorPlan.parse({
      ...plan,
      desks: plan.desks.map((desk) => ({ ...desk, sensorIds: [OBSERVER_USERNAME] })),
    });
    expect(() => provisionSite({ dataDir: site.dataDir, siteId: site.siteId, plans: [renamed] })).toThrow(
      new PlanError(`sensor id '${OBSERVER_USERNAME}' is the MQTT login of the edge itself: rename the sensor`),
    );
    expect(existsSync(credentialPaths(site.dataDir).mosquittoPasswords)).toBe(false);
  });
});
