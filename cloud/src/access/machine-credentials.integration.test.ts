import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  GATEWAY_NAMESPACE,
  PROTOCOL_VERSION,
  type Ack,
  type MachineCredential,
  type MachineCredentialCreated,
} from "@desksharing/protocol";

import { ORG_SCOPES, startTestCloud, type TestCloud } from "../test-support/cloud.js";
import { PROVIDERS_UNDER_TEST } from "../test-support/databases.js";

describe.each(PROVIDERS_UNDER_TEST)("machine credentials on %s", (provider) => {
  let t: TestCloud;
  let hq: string;
  let branch: string;

  const create = (body: unknown) => t.admin.post("/api/v1/machine-credentials", body);
  const list = async (): Promise<MachineCredential[]> =>
    ((await t.admin.get("/api/v1/machine-credentials")).json as { items: MachineCredential[] }).items;

  beforeAll(async () => {
    t = await startTestCloud(provider);
    hq = ((await t.admin.get("/api/v1/sites")).json as { items: { id: string }[] }).items[0]!.id;
    branch = (
      (await t.admin.post("/api/v1/sites", { key: "branch", name: "Branch", address: "", timeZone: "UTC" })).json as {
        id: string;
      }
    ).id;
  });
  afterAll(() => t?.stop());

  it("shows the secret once, stores only its hash, lists credentials and records their last use", async () => {
    const created = (await create({ siteId: hq, kind: "kiosk", name: "Lobby kiosk" })).json as MachineCredentialCreated;
    expect(created.secret).toMatch(/^dsk_kiosk_[A-Za-z0-9_-]{49}$/);
    expect(created.credential).toMatchObject({
      siteId: hq,
      kind: "kiosk",
      hint: created.secret.slice(0, "dsk_kiosk_".length + 4),
      lastUsedAt: null,
      expiresAt: null,
    });
    expect([...created.credential.scopes].sort()).toEqual(["kiosk:operate", "occupancy:read", "plans:read"]);
    const listed = await list();
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    const stored = await t.cloud.database.db.machineCredential.findMany();
    expect(JSON.stringify(stored)).not.toContain(created.secret);

    const kiosk = t.admin.as(created.secret);
    expect((await kiosk.get(`/api/v1/sites/${hq}/floor-plans`)).status).toBe(200);
    expect((await list()).find((c) => c.id === created.credential.id)?.lastUsedAt).not.toBeNull();
    // Bound to its site and its scopes.
    expect((await kiosk.get(`/api/v1/sites/${branch}/floor-plans`)).status).toBe(403);
    expect((await kiosk.get("/api/v1/users")).status).toBe(403);
    expect((await kiosk.get("/api/v1/me")).status).toBe(403);

    expect((await t.admin.request("DELETE", `/api/v1/machine-credentials/${created.credential.id}`)).status).toBe(204);
    expect((await kiosk.get(`/api/v1/sites/${hq}/floor-plans`)).status).toBe(401);
    expect((await list()).find((c) => c.id === created.credential.id)?.revokedAt).not.toBeNull();
  });

  it("refuses admin scopes for machines, foreign sites and expiries in the past", async () => {
    const refused = await create({ siteId: hq, kind: "kiosk", name: "x", scopes: ["kiosk:operate", "users:admin"] });
    expect(refused.status).toBe(422);
    expect((await create({ siteId: hq, kind: "gateway", name: "x", scopes: ["plans:write"] })).status).toBe(422);
    expect((await create({ siteId: "no-such-site", kind: "gateway", name: "x" })).status).toBe(404);
    expect((await create({ siteId: hq, kind: "gateway", name: "x", expiresAt: "2020-01-01T00:00:00Z" })).status).toBe(
      422,
    );
  });

  it("stops working when it expires", async () => {
    const created = (
      await create({
        siteId: hq,
        kind: "integration",
        name: "BI export",
        scopes: ["sites:read"],
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      })
    ).json as MachineCredentialCreated;
    const integration = t.admin.as(created.secret);
    expect((await integration.get("/api/v1/sites")).status).toBe(200);
    await t.cloud.database.db.machineCredential.update({
      where: { id: created.credential.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect((await integration.get("/api/v1/sites")).status).toBe(401);
  });

  it("lets an admin limited to some sites list, create and revoke only the credentials of those sites", async () => {
    const atHq = (await create({ siteId: hq, kind: "kiosk", name: "hq kiosk" })).json as MachineCredentialCreated;
    const atBranch = (await create({ siteId: branch, kind: "kiosk", name: "branch kiosk" }))
      .json as MachineCredentialCreated;
    const { client: limited } = await t.userWith(ORG_SCOPES, { role: "admin", siteIds: [branch] });

    const listed = (await limited.get("/api/v1/machine-credentials")).json as { items: MachineCredential[] };
    expect(listed.items.map((c) => c.id)).toContain(atBranch.credential.id);
    expect(listed.items.every((c) => c.siteId === branch)).toBe(true);

    const refused = await limited.request("DELETE", `/api/v1/machine-credentials/${atHq.credential.id}`);
    expect(refused).toMatchObject({ status: 403, json: { error: { code: "FORBIDDEN" } } });
    expect((await list()).find((c) => c.id === atHq.credential.id)?.revokedAt).toBeNull();
    expect((await t.admin.as(atHq.secret).get(`/api/v1/sites/${hq}/floor-plans`)).status).toBe(200);
    const unknown = await limited.request("DELETE", "/api/v1/machine-credentials/no-such-credential");
    expect(unknown.status).toBe(404);
    expect((await limited.request("DELETE", `/api/v1/machine-credentials/${atBranch.credential.id}`)).status).toBe(204);
    expect((await t.admin.as(atBranch.secret).get(`/api/v1/sites/${branch}/floor-plans`)).status).toBe(401);

    const created = await limited.post("/api/v1/machine-credentials", { siteId: hq, kind: "gateway", name: "x" });
    expect(created).toMatchObject({ status: 403, json: { error: { code: "FORBIDDEN" } } });
    // An unknown site is not found, as on the site routes, before any site limit applies.
    const nowhere = await limited.post("/api/v1/machine-credentials", {
      siteId: "no-such-site",
      kind: "gateway",
      name: "x",
    });
    expect(nowhere.status).toBe(404);
    expect(
      (await limited.post("/api/v1/machine-credentials", { siteId: branch, kind: "gateway", name: "x" })).status,
    ).toBe(201);
  });

  it("lets a gateway fetch the plans of its own site only", async () => {
    const created = (await create({ siteId: branch, kind: "gateway", name: "gw-branch" }))
      .json as MachineCredentialCreated;
    const socket = io(`${t.cloud.url}${GATEWAY_NAMESPACE}`, {
      auth: { token: created.secret, protocolVersion: PROTOCOL_VERSION },
      ca: t.cloud.caCertificate,
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("connect_error", reject);
      });
      const fetch = (siteId: string) =>
        new Promise<Ack<unknown>>((resolve) => socket.emit("plans:fetch", { siteId }, resolve));
      expect(await fetch("branch")).toMatchObject({ ok: true, data: { siteId: "branch", plans: [] } });
      expect(await fetch("hq")).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    } finally {
      socket.close();
    }
  });
});
