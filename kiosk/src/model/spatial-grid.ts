import type { Desk } from "@desksharing/protocol";

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Axis-aligned bounds of a desk after its rotation about its centre. */
export function deskBounds(desk: Pick<Desk, "x" | "y" | "width" | "height" | "rotation">): Box {
  const angle = (desk.rotation * Math.PI) / 180;
  const cos = Math.abs(Math.cos(angle));
  const sin = Math.abs(Math.sin(angle));
  const halfWidth = (cos * desk.width + sin * desk.height) / 2;
  const halfHeight = (sin * desk.width + cos * desk.height) / 2;
  const cx = desk.x + desk.width / 2;
  const cy = desk.y + desk.height / 2;
  return { x0: cx - halfWidth, y0: cy - halfHeight, x1: cx + halfWidth, y1: cy + halfHeight };
}

export function overlaps(a: Box, b: Box): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

/** Uniform grid over desk bounds: which desks touch a region, without looking at all 5,000. */
export class SpatialGrid {
  readonly #cells = new Map<string, string[]>();
  readonly #bounds = new Map<string, Box>();

  constructor(
    desks: readonly Pick<Desk, "id" | "x" | "y" | "width" | "height" | "rotation">[],
    private readonly cellSize = 500,
  ) {
    for (const desk of desks) {
      const box = deskBounds(desk);
      this.#bounds.set(desk.id, box);
      this.#eachCell(box, (key) => {
        const cell = this.#cells.get(key);
        if (cell === undefined) this.#cells.set(key, [desk.id]);
        else cell.push(desk.id);
      });
    }
  }

  bounds(deskId: string): Box | undefined {
    return this.#bounds.get(deskId);
  }

  /** Desks whose bounds overlap `region`, each once. */
  query(region: Box): string[] {
    const found = new Set<string>();
    this.#eachCell(region, (key) => {
      for (const id of this.#cells.get(key) ?? []) {
        const box = this.#bounds.get(id);
        if (box !== undefined && overlaps(box, region)) found.add(id);
      }
    });
    return [...found];
  }

  #eachCell(box: Box, visit: (key: string) => void): void {
    const size = this.cellSize;
    for (let cx = Math.floor(box.x0 / size); cx <= Math.floor(box.x1 / size); cx++) {
      for (let cy = Math.floor(box.y0 / size); cy <= Math.floor(box.y1 / size); cy++) visit(`${cx}:${cy}`);
    }
  }
}
