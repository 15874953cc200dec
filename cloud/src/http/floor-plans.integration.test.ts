import { readFileSync } from "node:fs";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  FloorLayout,
  type Floor,
  type FloorPlan,
  type FloorPlanImport,
  type FloorPlanVersionDetail,
  type FloorPlanVersionSummary,
  type MachineCredentialCreated,
  type PublishedFloorPlan,
  type Site,
} from "@desksharing/protocol";

import { DEFAULT_SEED_PLAN_FILES } from "../config.js";
import { startTestCloud, type TestCloud } from "../test-support/cloud.js";
import { PROVIDERS_UNDER_TEST } from "../test-support/databases.js";

const samplePlans = DEFAULT_SEED_PLAN_FILES.map((file) => JSON.parse(readFileSync(file, "utf8")) as FloorPlan);
const floor1 = samplePlans[0]!;

describe.each(PROVIDERS_UNDER_TEST)("floor plans on %s", (provider) => {
  let t: TestCloud;
  let site: Site;
  let floors: Floor[];

  beforeAll(async () => {
    t = await startTestCloud(provider);
    const sites = (await t.admin.get("/api/v1/sites")).json as { items: Site[] };
    site = sites.items[0]!;
    floors = ((await t.admin.get(`/api/v1/sites/${site.id}/floors`)).json as { items: Floor[] }).items;
  });
  afterAll(() => t?.stop());

  it("seeds the sample office: Example GmbH, site hq in Berlin, both floors published", async () => {
    expect(((await t.admin.get("/api/v1/organisation")).json as { name: string }).name).toBe("Example GmbH");
    expect(site).toMatchObject({ key: "hq", timeZone: "Europe/Berlin" });
    expect(floors.map((floor) => [floor.key, floor.publishedVersion])).toEqual([
      ["floor-1", 1],
      ["floor-2", 1],
    ]);
    const published = (await t.admin.get(`/api/v1/sites/${site.id}/floor-plans`)).json as {
      items: PublishedFloorPlan[];
    };
    expect(published.items.map((plan) => plan.document.floorId)).toEqual(["floor-1", "floor-2"]);
    const layout = FloorLayout.parse((await t.admin.get(`/api/v1/floors/${floors[0]!.id}/layout`)).json);
    expect(layout.desks).toHaveLength(floor1.desks.length);
    expect(layout.rooms).toHaveLength(floor1.rooms.length);
    expect(layout.zones).toHaveLength(floor1.zones.length);
    const accessible = floor1.desks
      .filter((desk) => desk.accessible)
      .map((desk) => desk.id)
      .sort();
    expect(
      layout.desks
        .filter((desk) => desk.accessible)
        .map((desk) => desk.key)
        .sort(),
    ).toEqual(accessible);
    const withMonitor = floor1.desks.find((desk) => desk.equipment.length > 0)!;
    expect(layout.desks.find((desk) => desk.key === withMonitor.id)?.equipment).toEqual(withMonitor.equipment);
  });

  it("imports the sample office as a draft, edits the draft, publishes it and serves the published version", async () => {
    const floor = floors[0]!;
    const imported = await t.admin.post(`/api/v1/sites/${site.id}/floor-plans`, floor1);
    expect(imported.status).toBe(201);
    const { version } = imported.json as FloorPlanImport;
    expect(version).toMatchObject({ floorId: floor.id, version: 2, status: "draft", publishedAt: null });

    const edited: FloorPlan = {
      ...floor1,
      name: "Floor 1 (renovated)",
      desks: floor1.desks.map((desk, i) => (i === 0 ? { ...desk, label: "RENAMED-1" } : desk)),
    };
    const put = await t.admin.put(`/api/v1/floors/${floor.id}/versions/2`, edited);
    expect(put.status).toBe(200);
    expect((put.json as FloorPlanVersionDetail).document.desks[0]?.label).toBe("RENAMED-1");

    // Edges and kiosks still see version 1 until the draft is published.
    const before = (await t.admin.get(`/api/v1/floors/${floor.id}/plan`)).json as PublishedFloorPlan;
    expect(before.version).toBe(1);
    expect(before.document.desks[0]?.label).toBe(floor1.desks[0]?.label);

    const published = await t.admin.post(`/api/v1/floors/${floor.id}/versions/2/publish`);
    expect(published.status).toBe(200);
    const summary = published.json as FloorPlanVersionSummary;
    expect(summary.status).toBe("published");
    expect(summary.publishedBy).toMatch(/^user:/);
    expect(Date.parse(summary.publishedAt!)).toBeGreaterThan(Date.now() - 60_000);

    const after = (await t.admin.get(`/api/v1/floors/${floor.id}/plan`)).json as PublishedFloorPlan;
    expect(after.version).toBe(2);
    expect(after.document.desks[0]?.label).toBe("RENAMED-1");
    const versions = (await t.admin.get(`/api/v1/floors/${floor.id}/versions`)).json as {
      items: FloorPlanVersionSummary[];
    };
    expect(versions.items.map((v) => [v.version, v.status])).toEqual([
      [2, "published"],
      [1, "retired"],
    ]);
    const detail = (await t.admin.get(`/api/v1/floors/${floor.id}/versions/1`)).json as FloorPlanVersionDetail;
    expect(detail.document.desks[0]?.label).toBe(floor1.desks[0]?.label);
    expect(((await t.admin.get(`/api/v1/floors/${floor.id}`)).json as Floor).name).toBe("Floor 1 (renovated)");
    const layout = FloorLayout.parse((await t.admin.get(`/api/v1/floors/${floor.id}/layout`)).json);
    expect(layout.version).toBe(2);
    expect(layout.desks.find((desk) => desk.key === floor1.desks[0]?.id)?.label).toBe("RENAMED-1");
  });

  it("refuses to change or re-publish a version that is not a draft", async () => {
    const floor = floors[1]!;
    const put = await t.admin.put(`/api/v1/floors/${floor.id}/versions/1`, samplePlans[1]);
    expect(put.status).toBe(409);
    expect(put.json).toMatchObject({ error: { code: "CONFLICT" } });
    const publish = await t.admin.post(`/api/v1/floors/${floor.id}/versions/1/publish`);
    expect(publish.status).toBe(409);
    const missing = await t.admin.post(`/api/v1/floors/${floor.id}/versions/99/publish`);
    expect(missing.status).toBe(404);
  });

  it("publishes a floor of 5,000 desks and normalises every desk", async () => {
    const columns = 100;
    const desks = Array.from({ length: 5_000 }, (_, i) => ({
      id: `big-d${i}`,
      label: `B.${i}`,
      x: (i % columns) * 200,
      y: Math.floor(i / columns) * 120,
      width: 160,
      height: 80,
      accessible: i % 10 === 0,
      equipment: i % 2 === 0 ? (["monitor"] as const) : [],
    }));
    const plan = {
      ...floor1,
      floorId: "floor-big",
      name: "Big",
      level: 5,
      width: 20_000,
      height: 6_000,
      zones: [],
      rooms: [],
      walls: [],
      desks,
    };
    const imported = (await t.admin.post(`/api/v1/sites/${site.id}/floor-plans`, plan)).json as FloorPlanImport;
    const published = await t.admin.post(`/api/v1/floors/${imported.floor.id}/versions/1/publish`);
    expect(published.status).toBe(200);
    const layout = FloorLayout.parse((await t.admin.get(`/api/v1/floors/${imported.floor.id}/layout`)).json);
    expect(layout.desks).toHaveLength(5_000);
    expect(layout.desks.filter((desk) => desk.accessible)).toHaveLength(500);
    expect(layout.desks.find((desk) => desk.key === "big-d2")).toMatchObject({ label: "B.2", equipment: ["monitor"] });
  });

  it("creates a new floor when a document names one the site does not have yet", async () => {
    const plan: FloorPlan = { ...floor1, floorId: "floor-9", name: "Roof", level: 9 };
    const imported = await t.admin.post(`/api/v1/sites/${site.id}/floor-plans`, plan);
    expect(imported.status).toBe(201);
    const { floor } = imported.json as FloorPlanImport;
    expect(floor).toMatchObject({ key: "floor-9", name: "Roof", level: 9, publishedVersion: null });
    expect((await t.admin.get(`/api/v1/floors/${floor.id}/plan`)).status).toBe(404);
    expect((await t.admin.get(`/api/v1/floors/${floor.id}/layout`)).status).toBe(404);
  });

  it("shows drafts to users but never to gateways, kiosks or integrations", async () => {
    const floor = floors[1]!;
    const draft = (await t.admin.post(`/api/v1/sites/${site.id}/floor-plans`, samplePlans[1])).json as FloorPlanImport;
    expect(draft.version).toMatchObject({ floorId: floor.id, version: 2, status: "draft" });
    const machine = async (kind: string) => {
      const body = { siteId: site.id, kind, name: `${kind} of hq`, scopes: ["plans:read"] };
      return t.admin.as(
        ((await t.admin.post("/api/v1/machine-credentials", body)).json as MachineCredentialCreated).secret,
      );
    };
    const machines = [await machine("gateway"), await machine("kiosk"), await machine("integration")];
    const versionsOf = async (client: typeof t.admin) =>
      (
        (await client.get(`/api/v1/floors/${floor.id}/versions`)).json as { items: FloorPlanVersionSummary[] }
      ).items.map((v) => [v.version, v.status]);
    const missing = await t.admin.get(`/api/v1/floors/${floor.id}/versions/99`);
    expect(missing.status).toBe(404);

    for (const client of machines) {
      expect(await versionsOf(client)).toEqual([[1, "published"]]);
      const fetched = await client.get(`/api/v1/floors/${floor.id}/versions/2`);
      expect({ status: fetched.status, json: fetched.json }).toEqual({ status: 404, json: missing.json });
      expect((await client.get(`/api/v1/floors/${floor.id}/versions/1`)).status).toBe(200);
    }
    const { client: reader } = await t.userWith(["plans:read"]);
    for (const client of [reader, t.admin]) {
      expect(await versionsOf(client)).toEqual([
        [2, "draft"],
        [1, "published"],
      ]);
      expect(((await client.get(`/api/v1/floors/${floor.id}/versions/2`)).json as FloorPlanVersionDetail).status).toBe(
        "draft",
      );
    }

    // Once published, the version is theirs, and the retired one stays visible.
    expect((await t.admin.post(`/api/v1/floors/${floor.id}/versions/2/publish`)).status).toBe(200);
    for (const client of machines) {
      expect(await versionsOf(client)).toEqual([
        [2, "published"],
        [1, "retired"],
      ]);
      expect((await client.get(`/api/v1/floors/${floor.id}/versions/2`)).status).toBe(200);
    }
  });
});
