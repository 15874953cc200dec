import { readdirSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { deviceProfileOf, FloorPlan, sensorsOfPlan } from "@desksharing/protocol";
import { describe, expect, it } from "vitest";

import { generateFloorPlan, loadFloorPlan, loadSampleSite, SAMPLE_SITE } from "./index.js";

/** Every other JSON file in the package is a floor-plan document. */
const PACKAGE_CONFIG = /^(package|tsconfig.*)\.json$/;
const packageRoot = dirname(dirname(fileURLToPath(import.meta.url)));

function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return jsonFiles(path);
    return entry.name.endsWith(".json") && !PACKAGE_CONFIG.test(entry.name) ? [path] : [];
  });
}

function allIds(plan: FloorPlan): string[] {
  return [plan.walls, plan.zones, plan.rooms, plan.desks].flatMap((items) => items.map((item) => item.id));
}

describe("floor-plan documents", () => {
  const files = jsonFiles(packageRoot);

  it("finds the sample floors among the documents", () => {
    expect(files).toEqual(expect.arrayContaining(SAMPLE_SITE.planPaths));
  });

  it.each(files)("%s is a valid FloorPlan", (file) => {
    expect(() => loadFloorPlan(file)).not.toThrow();
  });
});

describe("sample site", () => {
  const site = loadSampleSite();

  it("has two floors of one site with about 120 desks in zones", () => {
    expect(site.siteId).toBe("hq");
    expect(site.plans.map((plan) => plan.floorId)).toEqual(["floor-1", "floor-2"]);
    for (const plan of site.plans) {
      expect(plan.siteId).toBe(site.siteId);
      expect(plan.zones.length).toBeGreaterThanOrEqual(3);
      expect(plan.rooms.length).toBeGreaterThanOrEqual(3);
      expect(plan.rooms.length).toBeLessThanOrEqual(4);
      expect(plan.walls.length).toBeGreaterThan(4);
      for (const desk of plan.desks) expect(plan.zones.map((zone) => zone.id)).toContain(desk.zoneId);
    }
    const desks = site.plans.flatMap((plan) => plan.desks);
    expect(desks.length).toBeGreaterThanOrEqual(110);
    expect(desks.length).toBeLessThanOrEqual(130);
    expect(desks.some((desk) => desk.accessible)).toBe(true);
  });

  it("uses ids and sensor ids that are unique across all floors", () => {
    const ids = site.plans.flatMap(allIds);
    expect(new Set(ids).size).toBe(ids.length);
    const sensors = site.plans.flatMap(sensorsOfPlan).map((sensor) => sensor.deviceId);
    expect(new Set(sensors).size).toBe(sensors.length);
  });

  it("gives every desk exactly one desk sensor and every room a people counter", () => {
    const profiles = new Map<string, number>();
    for (const plan of site.plans) {
      for (const desk of plan.desks) {
        expect(desk.sensorIds).toHaveLength(1);
        const sensor = desk.sensorIds[0] ?? "";
        expect(sensor).toMatch(/^(pir|thermal)-/);
        const profile = deviceProfileOf(sensor, "desk");
        profiles.set(profile, (profiles.get(profile) ?? 0) + 1);
      }
      for (const room of plan.rooms) {
        expect(room.sensorIds.length).toBeGreaterThanOrEqual(1);
        for (const sensor of room.sensorIds) expect(sensor).toMatch(/^counter-/);
      }
    }
    expect(profiles.get("pir-desk")).toBeGreaterThan(profiles.get("thermal-desk") ?? 0);
    expect(profiles.get("thermal-desk")).toBeGreaterThan(0);
  });
});

describe("loadFloorPlan", () => {
  const dir = mkdtempSync(join(tmpdir(), "floorplans-"));

  it("names the file and every issue of an invalid document", () => {
    const file = join(dir, "bad.json");
    const plan = generateFloorPlan({ desks: 2 });
    const [first, second] = plan.desks;
    writeFileSync(
      file,
      JSON.stringify({ ...plan, width: -1, desks: [first, { ...second, id: first?.id, label: first?.label }] }),
    );
    expect(() => loadFloorPlan(file)).toThrow(/bad\.json[\s\S]*width[\s\S]*duplicate id[\s\S]*duplicate desk label/);
  });

  it("names the file when it is not JSON or missing", () => {
    const file = join(dir, "broken.json");
    writeFileSync(file, "{ nope");
    expect(() => loadFloorPlan(file)).toThrow(/broken\.json is not valid JSON/);
    expect(() => loadFloorPlan(join(dir, "missing.json"))).toThrow(/cannot read floor plan .*missing\.json/);
  });
});

describe("generateFloorPlan", () => {
  it.each([10, 500, 5_000])("makes a valid plan of %i desks with one sensor each", (desks) => {
    const plan = generateFloorPlan({ desks, seed: 7 });
    expect(FloorPlan.safeParse(plan).error).toBeUndefined();
    expect(plan.desks).toHaveLength(desks);
    for (const desk of plan.desks) expect(desk.sensorIds).toHaveLength(1);
    expect(plan.rooms.length).toBe(Math.round(desks * 0.04));
    expect(new Set(plan.desks.map((desk) => desk.label)).size).toBe(desks);
  });

  it("is deterministic per seed and differs between seeds", () => {
    const a = generateFloorPlan({ desks: 500, seed: 3 });
    expect(generateFloorPlan({ desks: 500, seed: 3 })).toEqual(a);
    expect(generateFloorPlan({ desks: 500, seed: 4 })).not.toEqual(a);
  });

  it("generates 5,000 desks in well under a second", () => {
    const started = performance.now();
    generateFloorPlan({ desks: 5_000, seed: 1 });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("keeps ids of two floors of one site apart", () => {
    const one = generateFloorPlan({ desks: 100, siteId: "bench", floorId: "f1" });
    const two = generateFloorPlan({ desks: 100, siteId: "bench", floorId: "f2" });
    const ids = [...allIds(one), ...allIds(two), ...[one, two].flatMap(sensorsOfPlan).map((s) => s.deviceId)];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("honours roomsPer100Desks and a mix of sensor profiles", () => {
    const plan = generateFloorPlan({ desks: 1_000, roomsPer100Desks: 0 });
    expect(plan.rooms).toHaveLength(0);
    expect(FloorPlan.safeParse(plan).success).toBe(true);
    const thermal = plan.desks.filter((desk) => desk.sensorIds[0]?.startsWith("thermal-")).length;
    expect(thermal).toBeGreaterThan(50);
    expect(thermal).toBeLessThan(300);
  });

  it("rejects impossible options", () => {
    expect(() => generateFloorPlan({ desks: 0 })).toThrow(RangeError);
    expect(() => generateFloorPlan({ desks: 20_001 })).toThrow(RangeError);
    expect(() => generateFloorPlan({ desks: 10, floorId: "a/b" })).toThrow(/floorId/);
  });
});
