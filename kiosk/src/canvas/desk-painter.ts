import type { Desk, DeskState, DeskStatus } from "@desksharing/protocol";
import type Konva from "konva";

import { SpatialGrid } from "../model/spatial-grid.js";

import type { DeskShapeAttrs, DeskStatusSource } from "./draw-desk.js";

/** Screen pixels around a desk that its outline and anti-aliasing may touch. */
const BLEED_PX = 3;
/** Beyond this many changed desks one redraw of the layer is cheaper than repainting each. */
const MAX_REPAINTS = 400;

/**
 * Feeds the desk shapes their live status and repaints single desks in place. Konva redraws a whole layer on any
 * change, which for 5,000 desks costs tens of milliseconds; a status change here instead clears the desk's own screen
 * rectangle and redraws only the desks reaching into it, so a delta costs about as much as the desks it names.
 */
export class DeskPainter implements DeskStatusSource {
  readonly #desks: readonly Desk[];
  readonly #grid: SpatialGrid;
  /** Plan order, which is the layer's drawing order. */
  readonly #order: ReadonlyMap<string, number>;
  #states: ReadonlyMap<string, DeskState> = new Map();
  #texts: Readonly<Record<DeskStatus, string>>;
  #layer: Konva.Layer | null = null;
  #nodes: Map<string, Konva.Shape> | null = null;

  constructor(desks: readonly Desk[], texts: Readonly<Record<DeskStatus, string>>) {
    this.#desks = desks;
    this.#grid = new SpatialGrid(desks);
    this.#order = new Map(desks.map((desk, i) => [desk.id, i]));
    this.#texts = texts;
  }

  status(deskId: string): DeskStatus | undefined {
    return this.#states.get(deskId)?.status;
  }

  text(status: DeskStatus): string {
    return this.#texts[status];
  }

  attach(layer: Konva.Layer | null): void {
    this.#layer = layer;
    this.#nodes = null;
  }

  /** Takes the new desk states and texts; repaints the desks whose status changed. */
  update(states: ReadonlyMap<string, DeskState>, texts: Readonly<Record<DeskStatus, string>>): void {
    const previous = this.#states;
    this.#states = states;
    if (texts !== this.#texts) {
      this.#texts = texts;
      this.#layer?.batchDraw();
      return;
    }
    if (previous === states) return;
    if (previous.size === 0) {
      this.#layer?.batchDraw();
      return;
    }
    const changed: string[] = [];
    for (const desk of this.#desks) {
      if (previous.get(desk.id)?.status !== states.get(desk.id)?.status) changed.push(desk.id);
    }
    if (changed.length > MAX_REPAINTS) this.#layer?.batchDraw();
    else for (const id of changed) this.#repaint(id);
  }

  #node(deskId: string): Konva.Shape | undefined {
    if (this.#nodes === null && this.#layer !== null) {
      this.#nodes = new Map();
      for (const child of this.#layer.getChildren()) {
        const id: unknown = (child.attrs as Partial<DeskShapeAttrs>).deskId;
        if (typeof id === "string") this.#nodes.set(id, child as Konva.Shape);
      }
    }
    return this.#nodes?.get(deskId);
  }

  #repaint(deskId: string): void {
    const layer = this.#layer;
    const stage = layer?.getStage();
    const bounds = this.#grid.bounds(deskId);
    if (layer == null || stage == null || bounds === undefined) return;
    const scale = stage.scaleX();
    const left = Math.max(0, Math.floor(bounds.x0 * scale + stage.x() - BLEED_PX));
    const top = Math.max(0, Math.floor(bounds.y0 * scale + stage.y() - BLEED_PX));
    const right = Math.min(stage.width(), Math.ceil(bounds.x1 * scale + stage.x() + BLEED_PX));
    const bottom = Math.min(stage.height(), Math.ceil(bounds.y1 * scale + stage.y() + BLEED_PX));
    if (right <= left || bottom <= top) return;
    const region = {
      x0: (left - stage.x()) / scale,
      y0: (top - stage.y()) / scale,
      x1: (right - stage.x()) / scale,
      y1: (bottom - stage.y()) / scale,
    };
    const canvas = layer.getCanvas();
    const ctx = canvas.getContext()._context;
    const ratio = canvas.getPixelRatio();
    ctx.save();
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.beginPath();
    ctx.rect(left, top, right - left, bottom - top);
    ctx.clip();
    ctx.clearRect(left, top, right - left, bottom - top);
    const ids = this.#grid.query(region).sort((a, b) => (this.#order.get(a) ?? 0) - (this.#order.get(b) ?? 0));
    for (const id of ids) this.#node(id)?.drawScene(canvas);
    ctx.restore();
  }
}
