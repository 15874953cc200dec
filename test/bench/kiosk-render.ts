/**
 * Kiosk render benchmark (issue 3): a generated 5,000-desk floor in Chromium, measured in one run against drawing the
 * same shapes with Konva alone.
 *
 *   (a) first render of FloorPlanView (React + react-konva) until every layer is drawn and rasterised
 *   (b) the same nodes built and drawn with bare Konva            target: a / b ≤ 1.5
 *   (c) one desk status update: store + React commit + desk layer redraw   target: median well under 16 ms
 *
 * Writes bench-results/kiosk-render.json as { name, results, targets, pass }.
 * Run alone: `npx tsx test/bench/kiosk-render.ts` (or `npm run bench -- kiosk`).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { generateFloorPlan } from "@desksharing/floorplans";
import {
  DESK_STATUSES,
  type DeskState,
  type DeskStatus,
  type KioskSnapshot,
  type RoomState,
} from "@desksharing/protocol";

import { launchChromium } from "../browser/chromium.js";
import { buildKiosk } from "../browser/build-kiosk.js";
import { median, percentile, round } from "../support/stats.js";

const DESKS = 5_000;
const FIRST_RENDER_RUNS = 7;
const UPDATE_RUNS = 60;
const PAN_RUNS = 20;
const TARGET_FIRST_RENDER_RATIO = 1.5;
const TARGET_DESK_UPDATE_MS = 16;

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

interface KioskBenchApi {
  mountReact(snapshot: KioskSnapshot): Promise<number>;
  mountBare(snapshot: KioskSnapshot, style: "same-shapes" | "rect-and-text"): Promise<number>;
  /** [ms until the desk is drawn, full redraws of the desk layer that followed] */
  updateDesk(deskId: string, status: DeskStatus): Promise<[number, number]>;
  panFrame(dx: number): Promise<number>;
  mountApp(snapshot: KioskSnapshot): Promise<number>;
  updateDeskInApp(deskId: string, status: DeskStatus): Promise<number>;
  reset(): Promise<void>;
}
type BenchWindow = Window & { kioskBench?: KioskBenchApi };

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".map": "application/json",
};

function serve(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const file = normalize(join(dir, path === "/" ? "bench.html" : path));
    if (!file.startsWith(dir)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = readFileSync(file);
      res.writeHead(200, { "content-type": MIME[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolveServer) =>
    server.listen(0, "127.0.0.1", () =>
      resolveServer({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }),
    ),
  );
}

/** A site snapshot of one generated floor with a realistic mix of statuses (deterministic). */
function benchSnapshot(): KioskSnapshot {
  const plan = generateFloorPlan({ desks: DESKS, seed: 1, siteId: "bench", floorId: "bench-1" });
  const mix: DeskStatus[] = ["free", "free", "occupied", "occupied", "occupied", "pending-free", "offline", "unknown"];
  const desks: DeskState[] = plan.desks.map((desk, i) => ({
    deskId: desk.id,
    floorId: plan.floorId,
    status: mix[(i * 7) % mix.length] as DeskStatus,
    since: 0,
  }));
  const rooms: RoomState[] = plan.rooms.map((room, i) => ({
    roomId: room.id,
    floorId: plan.floorId,
    status: i % 2 === 0 ? "occupied" : "free",
    count: i % 2 === 0 ? Math.min(room.capacity, 1 + (i % 5)) : 0,
    since: 0,
  }));
  return { siteId: "bench", siteName: "Benchmark site", seq: 0, at: 0, plans: [plan], desks, rooms };
}

async function main(): Promise<void> {
  const started = Date.now();
  const outDir = mkdtempSync(join(tmpdir(), "kiosk-bench-"));
  await buildKiosk(outDir, "bench");
  const { server, url } = await serve(outDir);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1 });
    page.on("pageerror", (err) => console.error("page error:", err.message));
    await page.goto(url);
    await page.waitForFunction(() => (window as BenchWindow).kioskBench !== undefined);
    const snapshot = benchSnapshot();
    const plan = snapshot.plans[0];
    if (plan === undefined) throw new Error("no plan generated");

    const react: number[] = [];
    const bare: number[] = [];
    const bareRectText: number[] = [];
    // One warm-up of each (JIT, font cache), then alternate so drift hits both sides alike.
    for (let run = 0; run <= FIRST_RENDER_RUNS; run++) {
      const r = await page.evaluate((s) => (window as BenchWindow).kioskBench!.mountReact(s), snapshot);
      const b = await page.evaluate((s) => (window as BenchWindow).kioskBench!.mountBare(s, "same-shapes"), snapshot);
      const n = await page.evaluate((s) => (window as BenchWindow).kioskBench!.mountBare(s, "rect-and-text"), snapshot);
      if (run > 0) {
        react.push(r);
        bare.push(b);
        bareRectText.push(n);
      }
    }

    await page.evaluate((s) => (window as BenchWindow).kioskBench!.mountReact(s), snapshot);
    const total: number[] = [];
    let fullRedraws = 0;
    for (let run = 0; run < UPDATE_RUNS; run++) {
      const desk = plan.desks[(run * 83) % plan.desks.length];
      const status = DESK_STATUSES[run % DESK_STATUSES.length] as DeskStatus;
      if (desk === undefined) continue;
      const [ms, redraws] = await page.evaluate(
        ([deskId, next]) => (window as BenchWindow).kioskBench!.updateDesk(deskId, next),
        [desk.id, status] as const,
      );
      total.push(ms);
      fullRedraws += redraws;
    }
    const pan: number[] = [];
    for (let run = 0; run < PAN_RUNS; run++) {
      pan.push(await page.evaluate((dx) => (window as BenchWindow).kioskBench!.panFrame(dx), run % 2 === 0 ? 12 : -12));
    }

    // The whole app: header, legend and the accessible table of all desks besides the plan (information only).
    const appMount: number[] = [];
    for (let run = 0; run < 3; run++) {
      appMount.push(await page.evaluate((s) => (window as BenchWindow).kioskBench!.mountApp(s), snapshot));
    }
    const appUpdate: number[] = [];
    for (let run = 0; run < UPDATE_RUNS; run++) {
      const desk = plan.desks[(run * 89) % plan.desks.length];
      const status = DESK_STATUSES[(run + 1) % DESK_STATUSES.length] as DeskStatus;
      if (desk === undefined) continue;
      appUpdate.push(
        await page.evaluate(([deskId, next]) => (window as BenchWindow).kioskBench!.updateDeskInApp(deskId, next), [
          desk.id,
          status,
        ] as const),
      );
    }

    const reactMs = median(react);
    const bareMs = median(bare);
    const ratio = reactMs / bareMs;
    const updateMs = median(total);
    const results = {
      desks: plan.desks.length,
      rooms: plan.rooms.length,
      walls: plan.walls.length,
      zones: plan.zones.length,
      viewport: "1920x1080, fitted",
      chromium: browser.version(),
      firstRenderMs: {
        floorPlanView: round(reactMs, 2),
        bareKonvaSameShapes: round(bareMs, 2),
        ratio: round(ratio, 2),
        bareKonvaRectPlusTextNodes: round(median(bareRectText), 2),
        runs: FIRST_RENDER_RUNS,
      },
      deskUpdateMs: {
        median: round(updateMs, 2),
        p95: round(percentile(total, 95), 2),
        fullDeskLayerRedraws: fullRedraws,
        runs: UPDATE_RUNS,
      },
      wholeAppMs: {
        mountMedian: round(median(appMount), 2),
        deskUpdateMedian: round(median(appUpdate), 2),
        deskUpdateP95: round(percentile(appUpdate, 95), 2),
      },
      wholePlanRedrawMs: { median: round(median(pan), 2), p95: round(percentile(pan, 95), 2), runs: PAN_RUNS },
      durationS: Math.round((Date.now() - started) / 1000),
    };
    const targets = {
      firstRenderRatioMax: TARGET_FIRST_RENDER_RATIO,
      deskUpdateMedianMsMax: TARGET_DESK_UPDATE_MS,
    };
    const pass = ratio <= TARGET_FIRST_RENDER_RATIO && updateMs < TARGET_DESK_UPDATE_MS && fullRedraws === 0;
    const out = { name: "kiosk-render", results, targets, pass };
    mkdirSync(join(root, "bench-results"), { recursive: true });
    writeFileSync(join(root, "bench-results", "kiosk-render.json"), `${JSON.stringify(out, null, 2)}\n`);

    console.log(`kiosk render, ${plan.desks.length} desks, ${plan.rooms.length} rooms, Chromium ${browser.version()}`);
    console.log(
      `  first render: FloorPlanView ${round(reactMs, 2)} ms, bare Konva ${round(bareMs, 2)} ms -> ratio ${round(ratio, 2)} (target <= ${TARGET_FIRST_RENDER_RATIO})`,
    );
    console.log(`                (bare Konva with a Rect + Text node per desk: ${round(median(bareRectText), 2)} ms)`);
    console.log(
      `  one desk update (store + React commit + repaint): median ${round(updateMs, 2)} ms, p95 ${round(percentile(total, 95), 2)} ms (target < ${TARGET_DESK_UPDATE_MS}); full desk-layer redraws: ${fullRedraws}`,
    );
    console.log(`  whole plan redrawn (once when a pan or zoom settles): median ${round(median(pan), 2)} ms`);
    console.log(
      `  whole app (plan + legend + accessible desk table): mount ${round(median(appMount), 2)} ms, one desk update median ${round(median(appUpdate), 2)} ms, p95 ${round(percentile(appUpdate, 95), 2)} ms`,
    );
    console.log(`  ${pass ? "targets met" : "targets MISSED"}`);
    process.exitCode = pass ? 0 : 1;
  } finally {
    await browser.close();
    server.close();
    rmSync(outDir, { recursive: true, force: true });
  }
}

await main();
