/**
 * Kiosk in Debian's Chromium against a real edge (embedded broker, SQLite, HTTPS with its self-signed certificate)
 * and the mock sensor fleet (issue 3): the sample plan renders, a sensor reading turns its desk "occupied" within a
 * second and a room counter's reading shows as its people count, the kiosk fits a tablet, the connection banner
 * follows the edge going away and coming back, and a wrong credential gets nothing.
 * Screenshots go to test/screenshots/ (git-ignored).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { loadEdgeConfig, startEdge, type EdgeConfig, type EdgeHandle } from "@desksharing/edge";
import { startFleet, type Fleet } from "@desksharing/firmware-mocks";
import { loadSampleSite } from "@desksharing/floorplans";
import { FleetCredentials, type FloorPlan } from "@desksharing/protocol";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { buildKiosk } from "./build-kiosk.js";
import { launchChromium } from "./chromium.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const screenshots = join(root, "test", "screenshots");
/** The promise: a sensor reading shows on the kiosk within one second. */
const LIVE_WITHIN_MS = 1_000;
/** socket.io reconnects with a backoff of at most 5 s; the restarted edge must be picked up well within this. */
const RECONNECT_WITHIN_MS = 20_000;
const UI_TIMEOUT_MS = 10_000;
const OCCUPIED_FILL = "#D55E00";

let workDir: string;
let config: EdgeConfig;
let edge: EdgeHandle;
let fleet: Fleet;
let credentials: FleetCredentials;
let browser: Browser;
const contexts: BrowserContext[] = [];
const plans: FloorPlan[] = loadSampleSite().plans;

function edgeConfig(httpsPort: number, mqttPort: number): EdgeConfig {
  return loadEdgeConfig({
    DATA_DIR: join(workDir, "data"),
    DESK_EDGE_HTTPS_HOST: "127.0.0.1",
    DESK_EDGE_HTTPS_PORT: String(httpsPort),
    DESK_EDGE_MQTT_HOST: "127.0.0.1",
    DESK_EDGE_MQTT_PORT: String(mqttPort),
    DESK_EDGE_KIOSK_DIR: join(workDir, "kiosk"),
    DESK_EDGE_LOG_LEVEL: "warn",
  });
}

const KIOSK_SCREEN = { width: 1920, height: 1080 };

async function newPage(locale = "en-GB", hasTouch = false, viewport = KIOSK_SCREEN): Promise<Page> {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport,
    locale,
    hasTouch,
  });
  contexts.push(context);
  const page = await context.newPage();
  page.on("pageerror", (err) => console.error("kiosk page error:", err.message));
  return page;
}

async function openKiosk(url: string): Promise<Page> {
  const page = await newPage();
  await page.goto(url);
  await page.waitForSelector("[data-testid=kiosk][data-phase=live]", { timeout: UI_TIMEOUT_MS });
  return page;
}

function kioskToken(): string {
  return decodeURIComponent(new URL(edge.kioskUrl).hash.replace(/^#token=/, ""));
}

async function text(locator: Locator): Promise<string> {
  return (await locator.textContent()) ?? "";
}

function shownPlan(floorId: string | null): FloorPlan {
  const plan = plans.find((p) => p.floorId === floorId);
  if (plan === undefined) throw new Error(`the kiosk shows an unknown floor ${floorId}`);
  return plan;
}

/** The first desk with a sensor on the floor the kiosk shows. */
async function shownDesk(page: Page): Promise<{ deskId: string; sensorId: string }> {
  const floorId = await page.getAttribute("[data-testid=desk-list]", "data-floor-id");
  const device = credentials.devices.find((d) => d.floorId === floorId && d.profile !== "room-counter");
  if (device === undefined) throw new Error(`no desk sensor on floor ${floorId}`);
  return { deskId: device.targetId, sensorId: device.deviceId };
}

/** The first room with a people counter on the floor the kiosk shows. */
async function shownRoom(page: Page): Promise<{ roomId: string; sensorId: string; capacity: number }> {
  const plan = shownPlan(await page.getAttribute("[data-testid=desk-list]", "data-floor-id"));
  const device = credentials.devices.find((d) => d.floorId === plan.floorId && d.profile === "room-counter");
  const room = plan.rooms.find((r) => r.id === device?.targetId);
  if (device === undefined || room === undefined) throw new Error(`no room counter on floor ${plan.floorId}`);
  return { roomId: room.id, sensorId: device.deviceId, capacity: room.capacity };
}

/** Screen points where a desk's fill shows: mid-width near its long edges, clear of its glyph and label. */
async function deskFillPoints(page: Page, deskId: string): Promise<{ x: number; y: number }[]> {
  const view = page.locator(".floor-plan-view");
  const box = await view.boundingBox();
  if (box === null) throw new Error("no floor plan view");
  const scale = Number(await view.getAttribute("data-view-scale"));
  const offsetX = Number(await view.getAttribute("data-view-x"));
  const offsetY = Number(await view.getAttribute("data-view-y"));
  const plan = shownPlan(await page.getAttribute("[data-testid=desk-list]", "data-floor-id"));
  const desk = plan.desks.find((d) => d.id === deskId);
  if (desk === undefined) throw new Error(`desk ${deskId} is not on floor ${plan.floorId}`);
  const at = (fx: number, fy: number) => ({
    x: box.x + offsetX + (desk.x + desk.width * fx) * scale,
    y: box.y + offsetY + (desk.y + desk.height * fy) * scale,
  });
  return [at(0.5, 0.12), at(0.5, 0.88)];
}

/** Colour of a pixel of the screenshot, decoded by the browser from the PNG itself. */
function screenshotPixel(page: Page, png: Buffer, point: { x: number; y: number }): Promise<number[]> {
  return page.evaluate(
    async ([data, x, y]) => {
      const image = new Image();
      image.src = `data:image/png;base64,${data}`;
      await image.decode();
      const canvas = document.createElement("canvas");
      canvas.width = image.width;
      canvas.height = image.height;
      const ctx = canvas.getContext("2d");
      if (ctx === null) throw new Error("no 2d context");
      ctx.drawImage(image, 0, 0);
      return [...ctx.getImageData(x, y, 1, 1).data.slice(0, 3)];
    },
    [png.toString("base64"), Math.round(point.x), Math.round(point.y)] as const,
  );
}

function isColour(rgb: readonly number[], hex: string, tolerance = 12): boolean {
  return [1, 3, 5].every((at, i) => Math.abs(parseInt(hex.slice(at, at + 2), 16) - (rgb[i] ?? -999)) <= tolerance);
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "kiosk-e2e-"));
  mkdirSync(screenshots, { recursive: true });
  await buildKiosk(join(workDir, "kiosk"));
  config = edgeConfig(0, 0);
  edge = await startEdge(config, pino({ level: "warn" }));
  credentials = FleetCredentials.parse(JSON.parse(readFileSync(join(edge.dataDir, "fleet-credentials.json"), "utf8")));
  fleet = await startFleet({ brokerUrl: edge.mqttUrl, credentials, simulate: false });
  browser = await launchChromium();
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await fleet?.stop();
  await edge?.stop();
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

describe("kiosk in Chromium against a real edge", () => {
  it("renders the sample plan and takes the credential out of the address bar", async () => {
    const page = await openKiosk(edge.kioskUrl);
    expect(page.url()).not.toContain("token=");
    const stored = await page.evaluate(() => Object.keys(localStorage).map((key) => localStorage.getItem(key)));
    expect(stored).toContain(kioskToken());

    expect(await text(page.getByTestId("site-name"))).toBe(config.siteName);
    const plan = shownPlan(await page.getAttribute("[data-testid=desk-list]", "data-floor-id"));
    expect(await page.locator("[data-testid=desk-list] tbody tr").count()).toBe(plan.desks.length);
    expect(await page.locator(".floor-plan-view canvas").count()).toBe(3);
    expect(await page.getByTestId("connection-banner").count()).toBe(0);
    expect(await page.getByTestId("stale-overlay").count()).toBe(0);

    const png = await page.screenshot({ path: join(screenshots, "kiosk-sample-plan.png") });
    expect(png.length).toBeGreaterThan(30_000);
    const colours = await page.evaluate(() => {
      const seen = new Set<string>();
      for (const canvas of document.querySelectorAll<HTMLCanvasElement>(".floor-plan-view canvas")) {
        const { data } = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height) ?? { data: [] };
        for (let i = 0; i < data.length; i += 4 * 97) {
          if ((data[i + 3] ?? 0) > 250) seen.add(`${data[i]},${data[i + 1]},${data[i + 2]}`);
        }
      }
      return seen.size;
    });
    expect(colours).toBeGreaterThan(8);

    const other = plans.find((p) => p.floorId !== plan.floorId);
    if (other === undefined) throw new Error("the sample site has one floor only");
    await page.getByRole("button", { name: other.name }).click();
    await page.waitForSelector(`[data-testid=desk-list][data-floor-id="${other.floorId}"]`, { state: "attached" });
    expect(await page.locator("[data-testid=desk-list] tbody tr").count()).toBe(other.desks.length);
    expect(await page.getByRole("button", { name: other.name }).getAttribute("aria-current")).toBe("true");
  });

  it("shows a desk as occupied / belegt within a second of its sensor reporting", async () => {
    const english = await openKiosk(edge.kioskUrl);
    const german = await openKiosk(`${edge.httpsUrl}/?lang=de#token=${encodeURIComponent(kioskToken())}`);
    const { deskId, sensorId } = await shownDesk(english);
    const row = (page: Page) => page.locator(`tr[data-desk-id="${deskId}"]`);
    expect(await row(english).getAttribute("data-status")).not.toBe("occupied");

    const device = fleet.devices.get(sensorId);
    if (device === undefined) throw new Error(`the fleet has no device ${sensorId}`);
    const started = Date.now();
    await device.publishReading({ occupied: true });
    await Promise.all(
      [english, german].map((page) =>
        page.waitForSelector(`tr[data-desk-id="${deskId}"][data-status=occupied]`, {
          state: "attached",
          timeout: Math.max(1, LIVE_WITHIN_MS - (Date.now() - started)),
        }),
      ),
    );
    const latency = Date.now() - started;
    expect(latency).toBeLessThanOrEqual(LIVE_WITHIN_MS);
    console.log(`sensor reading -> kiosk shows "occupied": ${latency} ms`);
    expect(await text(row(english).locator("td"))).toBe("occupied");
    expect(await text(row(german).locator("td"))).toBe("belegt");

    const png = await english.screenshot({ path: join(screenshots, "kiosk-desk-occupied.png") });
    for (const point of await deskFillPoints(english, deskId)) {
      const rgb = await screenshotPixel(english, png, point);
      expect(isColour(rgb, OCCUPIED_FILL), `pixel ${rgb.join(",")} at ${point.x},${point.y}`).toBe(true);
    }
    await german.screenshot({ path: join(screenshots, "kiosk-desk-belegt.png") });
  });

  it("shows a meeting room's people count, in English and German, within a second of its counter reporting", async () => {
    const english = await openKiosk(edge.kioskUrl);
    const german = await openKiosk(`${edge.httpsUrl}/?lang=de#token=${encodeURIComponent(kioskToken())}`);
    const { roomId, sensorId, capacity } = await shownRoom(english);
    const device = fleet.devices.get(sensorId);
    if (device === undefined) throw new Error(`the fleet has no device ${sensorId}`);
    const started = Date.now();
    await device.publishReading({ count: 3 });
    const row = (page: Page) => page.locator(`[data-testid=room-list] tr[data-room-id="${roomId}"]`);
    await Promise.all(
      [english, german].map((page) =>
        page.waitForSelector(`[data-testid=room-list] tr[data-room-id="${roomId}"][data-status=occupied]`, {
          state: "attached",
          timeout: Math.max(1, LIVE_WITHIN_MS - (Date.now() - started)),
        }),
      ),
    );
    console.log(`room counter reading -> kiosk shows the count: ${Date.now() - started} ms`);
    expect(await text(row(english).locator("td"))).toBe(`3 people (of ${capacity})`);
    expect(await text(row(german).locator("td"))).toBe(`3 Personen (von ${capacity})`);
    await english.screenshot({ path: join(screenshots, "kiosk-room-count.png") });
  });

  for (const tablet of [
    { name: "kiosk screen", file: "screen", width: KIOSK_SCREEN.width, height: KIOSK_SCREEN.height },
    { name: "tablet (landscape)", file: "tablet-landscape", width: 1024, height: 768 },
    { name: "tablet (portrait)", file: "tablet-portrait", width: 768, height: 1024 },
  ]) {
    it(`fits a ${tablet.width}×${tablet.height} ${tablet.name} without scrolling`, async () => {
      const page = await newPage("en-GB", true, { width: tablet.width, height: tablet.height });
      await page.goto(edge.kioskUrl);
      await page.waitForSelector("[data-testid=kiosk][data-phase=live]", { timeout: UI_TIMEOUT_MS });
      const scroll = await page.evaluate(() => ({
        width: document.documentElement.scrollWidth,
        height: document.documentElement.scrollHeight,
      }));
      expect(scroll.width).toBeLessThanOrEqual(tablet.width);
      expect(scroll.height).toBeLessThanOrEqual(tablet.height);
      const inside = async (selector: string) => {
        const box = await page.locator(selector).first().boundingBox();
        expect(box, selector).not.toBeNull();
        if (box === null) return 0;
        expect(box.x, selector).toBeGreaterThanOrEqual(0);
        expect(box.y, selector).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width, selector).toBeLessThanOrEqual(tablet.width + 0.5);
        expect(box.y + box.height, selector).toBeLessThanOrEqual(tablet.height + 0.5);
        return box.width * box.height;
      };
      // the plan takes most of the screen; site name, floor switcher and legend are all on it
      expect(await inside(".floor-plan-view")).toBeGreaterThan(0.4 * tablet.width * tablet.height);
      for (const selector of ["[data-testid=site-name]", ".floor-switcher", ".legend"]) await inside(selector);
      for (const plan of plans)
        await expect(page.getByRole("button", { name: plan.name }).isVisible()).resolves.toBe(true);
      await page.screenshot({ path: join(screenshots, `kiosk-fits-${tablet.file}.png`) });
    });
  }

  it("zooms by wheel and pinch, pans by dragging, within limits, and fits the floor again", async () => {
    const touchPage = await newPage("en-GB", true);
    await touchPage.goto(edge.kioskUrl);
    await touchPage.waitForSelector("[data-testid=kiosk][data-phase=live]", { timeout: UI_TIMEOUT_MS });
    const view = touchPage.locator(".floor-plan-view");
    const readView = async () => ({
      scale: Number(await view.getAttribute("data-view-scale")),
      x: Number(await view.getAttribute("data-view-x")),
      y: Number(await view.getAttribute("data-view-y")),
    });
    /** The view is committed (and the plan redrawn) once a gesture settles. */
    const settled = async (changed: (v: { scale: number; x: number; y: number }) => boolean) => {
      await expect.poll(async () => changed(await readView()), { timeout: UI_TIMEOUT_MS, interval: 50 }).toBe(true);
      return readView();
    };
    const fit = await readView();
    const box = await view.boundingBox();
    if (box === null) throw new Error("no floor plan view");
    const centre = { x: box.x + box.width / 2, y: box.y + box.height / 2 };

    await touchPage.mouse.move(centre.x, centre.y);
    // A mouse-wheel notch (100) zooms by about 10 %.
    for (let i = 0; i < 3; i++) await touchPage.mouse.wheel(0, -100);
    const zoomed = await settled((v) => v.scale > fit.scale * 1.3);
    expect(zoomed.scale).toBeLessThan(fit.scale * 1.4);
    const drag = async (dx: number, dy: number) => {
      const before = await readView();
      await touchPage.mouse.move(centre.x, centre.y);
      await touchPage.mouse.down();
      await touchPage.mouse.move(centre.x + dx, centre.y + dy, { steps: 8 });
      await touchPage.mouse.up();
      return { before, after: await settled((v) => v.x !== before.x || v.y !== before.y) };
    };
    for (let i = 0; i < 45; i++) await touchPage.mouse.wheel(0, -100);
    const { after: max } = await drag(-40, -20);
    expect(max.scale).toBeGreaterThanOrEqual(fit.scale * 2);
    expect(max.scale).toBeLessThanOrEqual(fit.scale * 8);
    await touchPage.screenshot({ path: join(screenshots, "kiosk-zoomed-in.png") });
    for (let i = 0; i < 5; i++) await touchPage.mouse.wheel(0, -100);
    const { before, after: panned } = await drag(150, 80);
    expect(panned.scale).toBe(max.scale);
    expect(panned.x - before.x).toBeCloseTo(150, 0);
    expect(panned.y - before.y).toBeCloseTo(80, 0);

    await touchPage.getByRole("button", { name: "Show the whole floor" }).click();
    await settled((v) => Math.abs(v.scale - fit.scale) < 1e-9 && Math.abs(v.x - fit.x) < 1e-6);

    const cdp = await touchPage.context().newCDPSession(touchPage);
    const touch = (type: "touchStart" | "touchMove" | "touchEnd", points: { x: number; y: number }[]) =>
      cdp.send("Input.dispatchTouchEvent", {
        type,
        touchPoints: points.map((p, id) => ({ x: p.x, y: p.y, id })),
      });
    await touch("touchStart", [
      { x: centre.x - 50, y: centre.y },
      { x: centre.x + 50, y: centre.y },
    ]);
    for (let step = 1; step <= 5; step++) {
      await touch("touchMove", [
        { x: centre.x - 50 - step * 10, y: centre.y },
        { x: centre.x + 50 + step * 10, y: centre.y },
      ]);
    }
    await touch("touchEnd", []);
    const pinched = await settled((v) => v.scale > fit.scale * 1.5);
    expect(pinched.scale).toBeCloseTo(fit.scale * 2, 1);
  });

  it("says the connection is lost when the edge stops and clears after it restarts", async () => {
    const page = await openKiosk(edge.kioskUrl);
    const { deskId } = await shownDesk(page);
    const statusBefore = await page.getAttribute(`tr[data-desk-id="${deskId}"]`, "data-status");
    const httpsPort = Number(new URL(edge.httpsUrl).port);
    const mqttPort = Number(new URL(edge.mqttUrl).port);

    await edge.stop();
    await page.waitForSelector("[data-testid=connection-banner][data-phase=lost]", { timeout: UI_TIMEOUT_MS });
    expect(await text(page.getByTestId("connection-banner"))).toMatch(
      /^Connection lost – showing the state of \d{2}:\d{2}/,
    );
    expect(await page.getByTestId("stale-overlay").isVisible()).toBe(true);
    expect(await page.getAttribute("[data-testid=desk-list]", "data-stale")).toBe("true");
    await page.screenshot({ path: join(screenshots, "kiosk-connection-lost.png") });

    config = edgeConfig(httpsPort, mqttPort);
    edge = await startEdge(config, pino({ level: "warn" }));
    await page.waitForSelector("[data-testid=kiosk][data-phase=live]", { timeout: RECONNECT_WITHIN_MS });
    expect(await page.getByTestId("connection-banner").count()).toBe(0);
    expect(await page.getByTestId("stale-overlay").count()).toBe(0);
    expect(await page.getAttribute("[data-testid=desk-list]", "data-stale")).toBe("false");
    expect(await page.getAttribute(`tr[data-desk-id="${deskId}"]`, "data-status")).toBe(statusBefore);
    await page.screenshot({ path: join(screenshots, "kiosk-reconnected.png") });
  });

  it("gives a wrong or missing kiosk credential no floor plan", async () => {
    const page = await newPage();
    const received: Promise<string>[] = [];
    page.on("response", (response) => {
      if (response.url().includes("/socket.io/")) received.push(response.text().catch(() => ""));
    });
    page.on("websocket", (ws) =>
      ws.on("framereceived", (frame) => received.push(Promise.resolve(String(frame.payload)))),
    );
    await page.goto(`${edge.httpsUrl}/#token=${"x".repeat(40)}`);
    await page.waitForSelector("[data-testid=refused-unauthorised]", { timeout: UI_TIMEOUT_MS });
    expect(await text(page.getByRole("alert"))).toContain("This kiosk is not authorised");
    expect(await page.locator(".floor-plan-view, [data-testid=desk-list]").count()).toBe(0);
    const traffic = (await Promise.all(received)).join("\n");
    expect(traffic).toContain("UNAUTHENTICATED");
    expect(traffic).not.toContain("floor:snapshot");
    await page.screenshot({ path: join(screenshots, "kiosk-not-authorised.png") });

    const withoutToken = await newPage("de-DE");
    await withoutToken.goto(`${edge.httpsUrl}/`);
    await withoutToken.waitForSelector("[data-testid=refused-unauthorised]", { timeout: UI_TIMEOUT_MS });
    expect(await text(withoutToken.getByRole("alert"))).toContain("Dieses Kiosk-Gerät ist nicht freigegeben");
  });
});
