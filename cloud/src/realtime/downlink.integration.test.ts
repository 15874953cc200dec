import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

import type { Socket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import {
  DownlinkChanged,
  DownlinkSnapshot,
  GATEWAY_NAMESPACE,
  type Ack,
  type Floor,
  type FloorPlan,
  type FloorPlanImport,
  type GatewayLinkClientToServerEvents,
  type GatewayServerToClientEvents,
  type MachineCredentialCreated,
} from "@desksharing/protocol";

import { DEFAULT_SEED_PLAN_FILES } from "../config.js";
import { SCOPES } from "../identity/scopes.js";
import { startTestCloud, type TestCloud } from "../test-support/cloud.js";
import { connectSocket } from "../test-support/sockets.js";
import { PROVIDERS_UNDER_TEST } from "../test-support/databases.js";

type EdgeSocket = Socket<GatewayServerToClientEvents, GatewayLinkClientToServerEvents>;

const floor1 = JSON.parse(readFileSync(DEFAULT_SEED_PLAN_FILES[0]!, "utf8")) as FloorPlan;
const sha256 = (secret: string) => createHash("sha256").update(secret).digest("hex");

describe.each(PROVIDERS_UNDER_TEST)("gateway downlink on %s", (provider) => {
  let t: TestCloud;
  let hqId: string;
  let branchId: string;
  let hqGateway: MachineCredentialCreated;
  let branchGateway: MachineCredentialCreated;
  const sockets: Socket[] = [];

  function open(token: string): Promise<EdgeSocket> {
    return connectSocket<EdgeSocket>(t.cloud, GATEWAY_NAMESPACE, token, sockets);
  }
  const snapshot = async (socket: EdgeSocket, request: unknown): Promise<Ack<DownlinkSnapshot>> => {
    const reply = (await socket.timeout(10_000).emitWithAck("downlink:snapshot", request as never)) as Ack<unknown>;
    return reply.ok ? { ok: true, data: DownlinkSnapshot.parse(reply.data) } : reply;
  };
  const data = async (socket: EdgeSocket, request: unknown): Promise<DownlinkSnapshot> => {
    const reply = await snapshot(socket, request);
    if (!reply.ok) throw new Error(`refused: ${reply.error.code}`);
    return reply.data;
  };
  /** Every notice a socket receives, validated; `next` waits for the next one naming a part. */
  function notices(socket: EdgeSocket) {
    const seen: DownlinkChanged[] = [];
    socket.on("downlink:changed", (event) => seen.push(DownlinkChanged.parse(event)));
    return {
      seen,
      async next(part: keyof DownlinkChanged["revisions"], after: number): Promise<DownlinkChanged> {
        const deadline = Date.now() + 1_000;
        for (;;) {
          const found = seen.slice(after).find((event) => event.revisions[part] !== undefined);
          if (found) return found;
          if (Date.now() > deadline) throw new Error(`no ${part} notice within 1 s`);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      },
    };
  }
  const credential = async (siteId: string, kind: "gateway" | "kiosk", name: string, expiresAt?: string) => {
    const created = await t.admin.post("/api/v1/machine-credentials", {
      siteId,
      kind,
      name,
      ...(expiresAt ? { expiresAt } : {}),
    });
    expect(created.status).toBe(201);
    return created.json as MachineCredentialCreated;
  };

  beforeAll(async () => {
    t = await startTestCloud(provider);
    hqId = ((await t.admin.get("/api/v1/sites")).json as { items: { id: string }[] }).items[0]!.id;
    const branch = await t.admin.post("/api/v1/sites", {
      key: "branch",
      name: "Branch",
      address: "",
      timeZone: "Europe/Vienna",
    });
    branchId = (branch.json as { id: string }).id;
    hqGateway = await credential(hqId, "gateway", "gw-hq");
    branchGateway = await credential(branchId, "gateway", "gw-branch");
  });
  afterEach(() => {
    sockets.splice(0).forEach((socket) => socket.close());
  });
  afterAll(() => t?.stop());

  it("sends the gateway's site in full: published plans, settings with the site's name and zone, kiosk hashes", async () => {
    const kiosk = await credential(hqId, "kiosk", "Lobby");
    const socket = await open(hqGateway.secret);
    const full = await data(socket, { siteId: "hq" });
    expect(full.siteId).toBe("hq");
    expect(full.unchanged).toEqual([]);
    expect(full.plans!.floors.map((floor) => [floor.plan.floorId, floor.version])).toEqual([
      ["floor-1", 1],
      ["floor-2", 1],
    ]);
    expect(full.settings).toMatchObject({
      site: { name: expect.any(String) as string, timeZone: "Europe/Berlin" },
      bookingRules: { checkInGraceMinutes: 15 },
      privacy: { showNamesOnKiosk: false },
    });
    const item = full.kioskCredentials!.items.find((entry) => entry.id === kiosk.credential.id);
    expect(item).toEqual({ id: kiosk.credential.id, name: "Lobby", hash: sha256(kiosk.secret), expiresAt: null });
    const text = JSON.stringify(full);
    expect(text).not.toContain(kiosk.secret);
    expect(text).not.toContain(hqGateway.credential.id);

    // Only what differs from the revisions the edge names comes back.
    const again = await data(socket, {
      siteId: "hq",
      known: {
        plans: full.plans!.revision,
        settings: full.settings!.revision,
        kioskCredentials: full.kioskCredentials!.revision,
      },
    });
    expect(again).toEqual({ siteId: "hq", unchanged: ["plans", "settings", "kioskCredentials"] });
    const some = await data(socket, { siteId: "hq", parts: ["settings"], known: { settings: "stale" } });
    expect(some.settings?.revision).toBe(full.settings!.revision);
    expect(some.plans).toBeUndefined();
    expect(some.kioskCredentials).toBeUndefined();
  });

  it("tells the site's gateways within a second when a kiosk credential is created or revoked; others hear nothing", async () => {
    const hq = await open(hqGateway.secret);
    const branch = await open(branchGateway.secret);
    const hqNotices = notices(hq);
    const branchNotices = notices(branch);
    const before = await data(hq, { siteId: "hq", parts: ["kioskCredentials"] });

    const expiresAt = new Date(Date.now() + 3_600_000);
    const kiosk = await credential(hqId, "kiosk", "Entrance", expiresAt.toISOString());
    const created = await hqNotices.next("kioskCredentials", 0);
    expect(created).toEqual({ siteId: "hq", revisions: { kioskCredentials: expect.any(String) as string } });
    expect(created.revisions.kioskCredentials).not.toBe(before.kioskCredentials!.revision);
    const after = await data(hq, {
      siteId: "hq",
      parts: ["kioskCredentials"],
      known: { kioskCredentials: before.kioskCredentials!.revision },
    });
    expect(after.kioskCredentials!.revision).toBe(created.revisions.kioskCredentials);
    expect(after.kioskCredentials!.items).toContainEqual({
      id: kiosk.credential.id,
      name: "Entrance",
      hash: sha256(kiosk.secret),
      expiresAt: expiresAt.getTime(),
    });

    const revoke = await t.admin.request("DELETE", `/api/v1/machine-credentials/${kiosk.credential.id}`);
    expect(revoke.status).toBe(204);
    const revoked = await hqNotices.next("kioskCredentials", hqNotices.seen.length);
    const gone = await data(hq, { siteId: "hq", parts: ["kioskCredentials"] });
    expect(gone.kioskCredentials!.revision).toBe(revoked.revisions.kioskCredentials);
    expect(gone.kioskCredentials!.items.map((entry) => entry.id)).not.toContain(kiosk.credential.id);

    // A gateway credential is not a kiosk credential: creating one changes no site's downlink.
    await credential(hqId, "gateway", "gw-spare");
    // The branch's own kiosk reaches the branch, not hq.
    const seenAtHq = hqNotices.seen.length;
    const branchKiosk = await credential(branchId, "kiosk", "Branch kiosk");
    const branchNotice = await branchNotices.next("kioskCredentials", 0);
    expect(branchNotice.siteId).toBe("branch");
    expect(branchNotices.seen.every((event) => event.siteId === "branch")).toBe(true);
    const branchList = await data(branch, { siteId: "branch", parts: ["kioskCredentials"] });
    expect(branchList.kioskCredentials!.items.map((entry) => entry.id)).toEqual([branchKiosk.credential.id]);
    expect(hqNotices.seen.slice(seenAtHq)).toEqual([]);
    expect(hqNotices.seen.every((event) => event.siteId === "hq")).toBe(true);
  });

  it("tells every site's gateways about settings, and the site's own about a new name or a published plan", async () => {
    const hq = await open(hqGateway.secret);
    const branch = await open(branchGateway.secret);
    const hqNotices = notices(hq);
    const branchNotices = notices(branch);

    const patched = await t.admin.patch("/api/v1/organisation/settings", { privacy: { showNamesOnKiosk: true } });
    expect(patched.status).toBe(200);
    await hqNotices.next("settings", 0);
    await branchNotices.next("settings", 0);
    expect((await data(branch, { siteId: "branch", parts: ["settings"] })).settings).toMatchObject({
      site: { name: "Branch", timeZone: "Europe/Vienna" },
      privacy: { showNamesOnKiosk: true },
    });

    const seenAtBranch = branchNotices.seen.length;
    expect((await t.admin.patch(`/api/v1/sites/${hqId}`, { name: "Head office" })).status).toBe(200);
    const renamed = await hqNotices.next("settings", 1);
    expect((await data(hq, { siteId: "hq", parts: ["settings"] })).settings).toMatchObject({
      revision: renamed.revisions.settings,
      site: { name: "Head office" },
    });

    const floor = ((await t.admin.get(`/api/v1/sites/${hqId}/floors`)).json as { items: Floor[] }).items[0]!;
    const renamedPlan: FloorPlan = { ...floor1, name: "Floor 1 (new)" };
    const imported = (await t.admin.post(`/api/v1/sites/${hqId}/floor-plans`, renamedPlan)).json as FloorPlanImport;
    const published = await t.admin.post(`/api/v1/floors/${floor.id}/versions/${imported.version.version}/publish`);
    expect(published.status).toBe(200);
    const notice = await hqNotices.next("plans", 0);
    const plans = await data(hq, { siteId: "hq", parts: ["plans"] });
    expect(plans.plans!.revision).toBe(notice.revisions.plans);
    expect(plans.plans!.floors.find((entry) => entry.plan.floorId === "floor-1")).toMatchObject({
      version: imported.version.version,
      plan: { name: "Floor 1 (new)" },
    });
    expect(branchNotices.seen.slice(seenAtBranch)).toEqual([]);
  });

  it("refuses another site's downlink, bad requests, and principals that are not a site's gateway", async () => {
    const branch = await open(branchGateway.secret);
    expect(await snapshot(branch, { siteId: "hq" })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(await snapshot(branch, { siteId: "branch", parts: ["bookings"] })).toMatchObject({
      ok: false,
      error: { code: "VALIDATION_FAILED" },
    });
    expect(await snapshot(branch, "everything")).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });

    // A kiosk credential cannot open /gateway at all; a user holding gateway:sync is no site's gateway.
    const kiosk = await credential(hqId, "kiosk", "Not a gateway");
    await expect(open(kiosk.secret)).rejects.toThrow("FORBIDDEN");
    const user = await t.userWith([SCOPES.GATEWAY_SYNC]);
    const userSocket = await open(user.client.token!);
    expect(await snapshot(userSocket, { siteId: "hq" })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });

    // Another organisation's gateway of a site with the same key sees only its own organisation's data.
    const outsider = await t.newOrganisation("Elsewhere Ltd");
    const site = await outsider.client.post("/api/v1/sites", {
      key: "hq",
      name: "Elsewhere",
      address: "",
      timeZone: "UTC",
    });
    const foreignSite = (site.json as { id: string }).id;
    const foreign = (
      await outsider.client.post("/api/v1/machine-credentials", { siteId: foreignSite, kind: "gateway", name: "gw" })
    ).json as MachineCredentialCreated;
    const foreignSocket = await open(foreign.secret);
    const foreignNotices = notices(foreignSocket);
    const theirs = await data(foreignSocket, { siteId: "hq" });
    expect(theirs.plans!.floors).toEqual([]);
    expect(theirs.kioskCredentials!.items).toEqual([]);
    expect(theirs.settings!.site).toEqual({ name: "Elsewhere", timeZone: "UTC" });
    await credential(hqId, "kiosk", "Ours only");
    await t.admin.patch("/api/v1/organisation/settings", { bookingRules: { maxAdvanceDays: 7 } });
    const hq = await open(hqGateway.secret);
    const hqNotices = notices(hq);
    await t.admin.patch("/api/v1/organisation/settings", { bookingRules: { maxAdvanceDays: 8 } });
    await hqNotices.next("settings", 0);
    expect(foreignNotices.seen).toEqual([]);
  });
});
