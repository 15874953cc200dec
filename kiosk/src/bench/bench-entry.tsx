/**
 * Page of `npm run bench` (test/bench/kiosk-render.ts): exposes timing functions on `window.kioskBench`.
 * Not part of the kiosk build (a separate Vite input).
 */
import type { DeskState, DeskStatus, FloorPlan, KioskSnapshot, RoomState } from "@desksharing/protocol";
import type Konva from "konva";
import { useSyncExternalStore } from "react";
import { flushSync } from "react-dom";
import { createRoot, type Root } from "react-dom/client";
import { I18nextProvider } from "react-i18next";

import { KioskApp } from "../app/kiosk-app.js";
import { FloorPlanView } from "../canvas/floor-plan-view.js";
import { createI18n } from "../i18n/i18n.js";
import { KioskStore } from "../model/kiosk-store.js";
import { fitViewport } from "../model/viewport.js";

import { drawBareKonva } from "./bare-konva.js";
import "../styles.css";

const SIZE = { width: 1920, height: 1080 };

function host(): HTMLDivElement {
  const el = document.getElementById("host");
  if (!(el instanceof HTMLDivElement)) throw new Error("bench.html has no #host");
  return el;
}

/** Forces the canvases to rasterise (Chromium records 2D draw calls and paints them lazily). */
function rasterise(stage: Konva.Stage): void {
  for (const layer of stage.getLayers()) layer.getContext()._context.getImageData(0, 0, 1, 1);
}

function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));
}

function BenchHost({ store, stageRef }: { store: KioskStore; stageRef: (stage: Konva.Stage | null) => void }) {
  const state = useSyncExternalStore(store.subscribe, store.getState);
  const plan = state.plans[0];
  if (plan === undefined) return null;
  return (
    <FloorPlanView
      plan={plan}
      desks={state.desks}
      rooms={state.rooms}
      width={SIZE.width}
      height={SIZE.height}
      stale={false}
      stageRef={stageRef}
    />
  );
}

let root: Root | null = null;
let bare: Konva.Stage | null = null;
let stage: Konva.Stage | null = null;
let store: KioskStore | null = null;

async function reset(): Promise<void> {
  root?.unmount();
  root = null;
  bare?.destroy();
  bare = null;
  stage = null;
  store = null;
  host().replaceChildren();
  await nextFrame();
}

const bench = {
  /** Mounts FloorPlanView through the store; ms from render call until every layer is drawn and rasterised. */
  async mountReact(snapshot: KioskSnapshot): Promise<number> {
    await reset();
    const mountPoint = document.createElement("div");
    host().append(mountPoint);
    const localStore = new KioskStore(() => performance.now());
    localStore.snapshot(snapshot);
    const start = performance.now();
    root = createRoot(mountPoint);
    flushSync(() =>
      root?.render(
        <BenchHost
          store={localStore}
          stageRef={(node) => {
            stage = node;
          }}
        />,
      ),
    );
    if (stage === null) throw new Error("FloorPlanView did not mount a stage");
    const mounted: Konva.Stage = stage;
    mounted.draw();
    rasterise(mounted);
    const elapsed = performance.now() - start;
    store = localStore;
    return elapsed;
  },

  /** The same shapes with Konva alone; ms until drawn and rasterised. */
  async mountBare(snapshot: KioskSnapshot, style: "same-shapes" | "rect-and-text"): Promise<number> {
    await reset();
    const plan = snapshot.plans[0] as FloorPlan;
    const desks = new Map<string, DeskState>(snapshot.desks.map((d) => [d.deskId, d]));
    const rooms = new Map<string, RoomState>(snapshot.rooms.map((r) => [r.roomId, r]));
    const container = document.createElement("div");
    host().append(container);
    const start = performance.now();
    bare = drawBareKonva(container, plan, desks, rooms, SIZE, fitViewport(plan, SIZE), style);
    bare.draw();
    rasterise(bare);
    return performance.now() - start;
  },

  /**
   * One desk changes status: a delta through the store, React's commit and the repaint of that desk, then the
   * canvas rasterised. Returns [ms until drawn, full desk-layer redraws that followed within two frames].
   */
  async updateDesk(deskId: string, status: DeskStatus): Promise<[number, number]> {
    if (store === null || stage === null) throw new Error("mountReact first");
    await nextFrame();
    const current = store.getState();
    const floorId = current.plans[0]?.floorId ?? "";
    const liveStore = store;
    const deskLayer = stage.getLayers().at(-1);
    let fullRedraws = 0;
    deskLayer?.on("draw.bench", () => (fullRedraws += 1));
    const start = performance.now();
    flushSync(() => {
      liveStore.delta({
        seq: current.seq + 1,
        at: Date.now(),
        desks: [{ deskId, floorId, status, since: Date.now() }],
        rooms: [],
      });
    });
    deskLayer?.getContext()._context.getImageData(0, 0, 1, 1);
    const elapsed = performance.now() - start;
    await nextFrame();
    deskLayer?.off("draw.bench");
    return [elapsed, fullRedraws];
  },

  /** The whole kiosk app (header, legend, accessible desk table, plan) on the snapshot; ms until mounted. */
  async mountApp(snapshot: KioskSnapshot): Promise<number> {
    await reset();
    const mountPoint = document.createElement("div");
    mountPoint.style.cssText = `width:${SIZE.width}px;height:${SIZE.height}px`;
    host().append(mountPoint);
    const localStore = new KioskStore();
    localStore.snapshot(snapshot);
    const i18n = createI18n("en");
    const start = performance.now();
    root = createRoot(mountPoint);
    flushSync(() =>
      root?.render(
        <I18nextProvider i18n={i18n}>
          <KioskApp store={localStore} initialFloor={null} />
        </I18nextProvider>,
      ),
    );
    const elapsed = performance.now() - start;
    store = localStore;
    return elapsed;
  },

  /** One desk status change through the whole app; ms until React has committed and the desk is repainted. */
  async updateDeskInApp(deskId: string, status: DeskStatus): Promise<number> {
    if (store === null) throw new Error("mountApp first");
    await nextFrame();
    const current = store.getState();
    const floorId = current.plans[0]?.floorId ?? "";
    const liveStore = store;
    const start = performance.now();
    flushSync(() => {
      liveStore.delta({
        seq: current.seq + 1,
        at: Date.now(),
        desks: [{ deskId, floorId, status, since: Date.now() }],
        rooms: [],
      });
    });
    for (const canvas of document.querySelectorAll("canvas")) canvas.getContext("2d")?.getImageData(0, 0, 1, 1);
    return performance.now() - start;
  },

  /** One frame of panning: the whole stage redrawn at a new offset. */
  async panFrame(dx: number): Promise<number> {
    if (stage === null) throw new Error("mountReact first");
    await nextFrame();
    const start = performance.now();
    stage.x(stage.x() + dx);
    stage.draw();
    rasterise(stage);
    return performance.now() - start;
  },

  reset,
  /** The mounted stage, for ad-hoc profiling from the browser console. */
  stage: () => stage,
};

declare global {
  interface Window {
    kioskBench?: typeof bench;
  }
}

window.kioskBench = bench;
