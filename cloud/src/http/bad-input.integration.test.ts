import { readFileSync } from "node:fs";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { Floor, FloorPlan, FloorPlanVersionSummary, Site } from "@desksharing/protocol";

import { DEFAULT_SEED_PLAN_FILES } from "../config.js";
import type { ApiResponse } from "../test-support/client.js";
import { startTestCloud, type TestCloud } from "../test-support/cloud.js";
import { PROVIDERS_UNDER_TEST } from "../test-support/databases.js";

const floor1 = JSON.parse(readFileSync(DEFAULT_SEED_PLAN_FILES[0]!, "utf8")) as FloorPlan;
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
const IMAGE_LIMIT = 64 * 1024;
const JSON_LIMIT = 16 * 1024;

function expectError(response: ApiResponse, status: number, code: string): void {
  expect({ status: response.status, body: response.json }).toMatchObject({ status, body: { error: { code } } });
  expect((response.json as { error: { message: string } }).error.message.length).toBeGreaterThan(0);
}

describe.each(PROVIDERS_UNDER_TEST)("bad input on %s", (provider) => {
  let t: TestCloud;
  let site: Site;
  let floor: Floor;
  const sitesPath = "/api/v1/sites";

  /** Everything the bad requests could have changed. */
  async function snapshot(): Promise<unknown> {
    const sites = (await t.admin.get(sitesPath)).json;
    const versions = (await t.admin.get(`/api/v1/floors/${floor.id}/versions`)).json as {
      items: FloorPlanVersionSummary[];
    };
    const images = (await t.admin.get(`/api/v1/floors/${floor.id}/images`)).json;
    const settings = (await t.admin.get("/api/v1/organisation/settings")).json;
    const allFloors = (await t.admin.get(`/api/v1/sites/${site.id}/floors`)).json;
    return { sites, versions, images, settings, allFloors };
  }

  beforeAll(async () => {
    t = await startTestCloud(provider, { limits: { imageBytes: IMAGE_LIMIT, jsonBytes: JSON_LIMIT } });
    site = ((await t.admin.get(sitesPath)).json as { items: Site[] }).items[0]!;
    floor = ((await t.admin.get(`/api/v1/sites/${site.id}/floors`)).json as { items: Floor[] }).items[0]!;
  });
  afterAll(() => t?.stop());

  it("answers invalid JSON with BAD_REQUEST and stores nothing", async () => {
    const before = await snapshot();
    const broken = { data: '{"key": "b2", "name": ', contentType: "application/json" };
    expectError(await t.admin.request("POST", sitesPath, { body: broken }), 400, "BAD_REQUEST");
    expectError(await t.admin.request("PATCH", "/api/v1/organisation/settings", { body: broken }), 400, "BAD_REQUEST");
    expect(await snapshot()).toEqual(before);
  });

  it("answers unknown keys and wrong types with VALIDATION_FAILED and stores nothing", async () => {
    const before = await snapshot();
    const site2 = { key: "b2", name: "Branch", address: "Somewhere", timeZone: "Europe/Berlin" };
    const cases: [string, string, unknown][] = [
      ["POST", sitesPath, { ...site2, admin: true }],
      ["POST", sitesPath, { ...site2, name: 42 }],
      ["POST", sitesPath, { ...site2, timeZone: "Europe/Atlantis" }],
      ["POST", sitesPath, { ...site2, key: "a/b" }],
      ["POST", sitesPath, [site2]],
      ["PATCH", `${sitesPath}/${site.id}`, { key: "renamed" }],
      ["PATCH", "/api/v1/organisation/settings", { privacy: { showNamesOnKiosk: "yes" } }],
      ["PATCH", "/api/v1/organisation/settings", { bookingRules: { maxAdvanceDays: -1 } }],
      ["PATCH", "/api/v1/organisation/settings", { bookingRules: { minBookingMinutes: 900, maxBookingMinutes: 60 } }],
      ["PATCH", "/api/v1/organisation/settings", { retention: 5 }],
    ];
    for (const [method, path, json] of cases) {
      expectError(await t.admin.request(method as "POST", path, { json }), 422, "VALIDATION_FAILED");
    }
    expectError(await t.admin.get(`${sitesPath}?include=everything`), 422, "VALIDATION_FAILED");
    expectError(await t.admin.get(`/api/v1/floors/${floor.id}/versions/abc`), 422, "VALIDATION_FAILED");
    expect(await snapshot()).toEqual(before);
  });

  it("answers unknown and malformed query parameters with VALIDATION_FAILED, naming the parameter", async () => {
    const events = "/api/v1/audit/events";
    const before = { state: await snapshot(), audit: (await t.admin.get(`${events}?limit=500`)).json };
    const cases: [string, string][] = [
      [`${events}?limit=ten`, "query.limit"],
      [`${events}?limit=0`, "query.limit"],
      [`${events}?limit=501`, "query.limit"],
      [`${events}?limit=2.5`, "query.limit"],
      [`${events}?limit=`, "query.limit"],
      [`${events}?limit=1&limit=2`, "query.limit"],
      [`${events}?limit=5&since=yesterday`, "query"],
      [`${events}?Limit=5`, "query"],
      ["/api/v1/audit/verify?limit=5", "query"],
      [`${sitesPath}/${site.id}?expand=floors`, "query"],
    ];
    for (const [path, where] of cases) {
      const response = await t.admin.get(path);
      expectError(response, 422, "VALIDATION_FAILED");
      const details = (response.json as { error: { details: { path: string }[] } }).error.details;
      expect(
        details.map((detail) => detail.path),
        path,
      ).toContain(where);
    }
    expect({ state: await snapshot(), audit: (await t.admin.get(`${events}?limit=500`)).json }).toEqual(before);

    const two = await t.admin.get(`${events}?limit=2`);
    expect(two.status).toBe(200);
    expect((two.json as { items: unknown[] }).items).toHaveLength(2);
  });

  it("refuses bodies that are not JSON on JSON routes", async () => {
    const before = await snapshot();
    const form = { data: "key=b2&name=Branch", contentType: "application/x-www-form-urlencoded" };
    expectError(await t.admin.request("POST", sitesPath, { body: form }), 415, "UNSUPPORTED_MEDIA_TYPE");
    expect(await snapshot()).toEqual(before);
  });

  it("refuses oversized bodies with PAYLOAD_TOO_LARGE and stores nothing", async () => {
    const before = await snapshot();
    const big = { key: "b3", name: "Big", address: "x".repeat(JSON_LIMIT), timeZone: "UTC" };
    expectError(await t.admin.post(sitesPath, big), 413, "PAYLOAD_TOO_LARGE");
    const hugeImage = Buffer.concat([PNG, Buffer.alloc(IMAGE_LIMIT)]);
    const upload = await t.admin.request("POST", `/api/v1/floors/${floor.id}/images`, {
      body: { data: hugeImage, contentType: "image/png" },
    });
    expectError(upload, 413, "PAYLOAD_TOO_LARGE");
    expect(await snapshot()).toEqual(before);
  });

  it("accepts a real image and refuses SVG, unknown types and bytes that contradict the declared type", async () => {
    const before = await snapshot();
    const images = `/api/v1/floors/${floor.id}/images`;
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const refused: { data: Buffer; contentType: string }[] = [
      { data: svg, contentType: "image/svg+xml" },
      { data: svg, contentType: "image/png" },
      { data: PNG, contentType: "application/octet-stream" },
      { data: Buffer.from("GIF89a"), contentType: "image/gif" },
      { data: Buffer.from("not an image at all"), contentType: "image/jpeg" },
    ];
    for (const body of refused) {
      expectError(await t.admin.request("POST", images, { body }), 415, "UNSUPPORTED_MEDIA_TYPE");
    }
    expect(await snapshot()).toEqual(before);

    const stored = await t.admin.request("POST", images, { body: { data: PNG, contentType: "image/png" } });
    expect(stored.status).toBe(201);
    const { id } = stored.json as { id: string };
    const fetched = await t.admin.get(`/api/v1/images/${id}`);
    expect(fetched.headers["content-type"]).toBe("image/png");
    expect(fetched.headers["x-content-type-options"]).toBe("nosniff");
    expect(fetched.bytes.equals(PNG)).toBe(true);
  });

  it("refuses malformed floor plans with the offending path and stores nothing", async () => {
    const before = await snapshot();
    const [first, second] = floor1.desks;
    const outside = { ...floor1, desks: [{ ...first!, x: floor1.width - 10 }, ...floor1.desks.slice(1)] };
    const duplicateLabel = {
      ...floor1,
      desks: [first!, { ...second!, label: first!.label }, ...floor1.desks.slice(2)],
    };
    const duplicateId = { ...floor1, desks: [first!, { ...second!, id: first!.id }, ...floor1.desks.slice(2)] };
    const unknownZone = { ...floor1, desks: [{ ...first!, zoneId: "nowhere" }, ...floor1.desks.slice(1)] };
    const unknownKey = { ...floor1, owner: "someone" };
    const wrongType = { ...floor1, width: "4000" };
    const otherSite = { ...floor1, siteId: "elsewhere" };
    const cases: [unknown, string][] = [
      [outside, "desks.0"],
      [duplicateLabel, "desks.1.label"],
      [duplicateId, "desks.1.id"],
      [unknownZone, "desks.0.zoneId"],
      [unknownKey, "body"],
      [wrongType, "body.width"],
      [otherSite, "body.siteId"],
    ];
    for (const [plan, path] of cases) {
      const response = await t.admin.post(`/api/v1/sites/${site.id}/floor-plans`, plan);
      expectError(response, 422, "VALIDATION_FAILED");
      const details = (response.json as { error: { details: { path: string }[] } }).error.details;
      expect(details.map((detail) => detail.path).join(" ")).toContain(path);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("refuses a draft edit that moves the document to another floor", async () => {
    const imported = await t.admin.post(`/api/v1/sites/${site.id}/floor-plans`, floor1);
    const { version } = (imported.json as { version: FloorPlanVersionSummary }).version;
    const before = await snapshot();
    const moved = { ...floor1, floorId: "floor-2" };
    expectError(await t.admin.put(`/api/v1/floors/${floor.id}/versions/${version}`, moved), 422, "VALIDATION_FAILED");
    const broken = { ...floor1, desks: [{ ...floor1.desks[0]!, width: -5 }] };
    expectError(await t.admin.put(`/api/v1/floors/${floor.id}/versions/${version}`, broken), 422, "VALIDATION_FAILED");
    expect(await snapshot()).toEqual(before);
  });

  it("answers unknown routes with NOT_FOUND in the same error format", async () => {
    expectError(await t.admin.get("/api/v1/nothing-here"), 404, "NOT_FOUND");
  });
});
