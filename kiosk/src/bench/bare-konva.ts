import type { DeskState, FloorPlan, RoomState } from "@desksharing/protocol";
import Konva from "konva";

import { DESK_FONT_FAMILY, drawDesk, hitDesk, type DeskStatusSource } from "../canvas/draw-desk.js";
import { roomVisual } from "../model/desk-visual.js";
import { deskLabelLayout } from "../model/layout.js";
import type { Viewport } from "../model/viewport.js";

/**
 * The benchmark's baseline: the same nodes FloorPlanView draws (background, zones, walls, rooms, one custom shape
 * per desk), built imperatively with Konva alone, without React.
 */
export function drawBareKonva(
  container: HTMLDivElement,
  plan: FloorPlan,
  desks: ReadonlyMap<string, DeskState>,
  rooms: ReadonlyMap<string, RoomState>,
  size: { width: number; height: number },
  viewport: Viewport,
  style: "same-shapes" | "rect-and-text",
): Konva.Stage {
  const stage = new Konva.Stage({
    container,
    ...size,
    scaleX: viewport.scale,
    scaleY: viewport.scale,
    x: viewport.x,
    y: viewport.y,
  });
  const staticLayer = new Konva.Layer({ listening: false });
  staticLayer.add(new Konva.Rect({ width: plan.width, height: plan.height, fill: "#FFFFFF", listening: false }));
  for (const zone of plan.zones) {
    const group = new Konva.Group({ x: zone.x, y: zone.y, listening: false });
    group.add(
      new Konva.Rect({
        width: zone.width,
        height: zone.height,
        fill: zone.colour,
        opacity: 0.12,
        perfectDrawEnabled: false,
      }),
      new Konva.Text({
        text: zone.name,
        x: 12,
        y: 10,
        fontSize: Math.min(60, zone.height * 0.08),
        fontFamily: DESK_FONT_FAMILY,
        fill: "#3A3A3A",
      }),
    );
    staticLayer.add(group);
  }
  for (const wall of plan.walls) {
    staticLayer.add(
      new Konva.Line({
        points: [wall.x1, wall.y1, wall.x2, wall.y2],
        stroke: "#2B2B2B",
        strokeWidth: wall.thickness,
        lineCap: "square",
        listening: false,
        perfectDrawEnabled: false,
      }),
    );
  }
  const roomLayer = new Konva.Layer({ listening: false });
  for (const room of plan.rooms) {
    const state = rooms.get(room.id);
    const visual = roomVisual(state?.status);
    const fontSize = Math.min(40, room.height * 0.16, room.width / Math.max(room.label.length, 8) / 0.6);
    const group = new Konva.Group({ x: room.x, y: room.y, listening: false });
    group.add(
      new Konva.Rect({
        width: room.width,
        height: room.height,
        fill: visual.fill,
        stroke: visual.stroke,
        strokeWidth: 4,
        dash: state?.status === "offline" || state === undefined ? [12, 8] : [],
        perfectDrawEnabled: false,
      }),
      new Konva.Text({
        text: room.label,
        width: room.width,
        y: room.height / 2 - fontSize * 1.2,
        align: "center",
        fontSize,
        fontStyle: "bold",
        fontFamily: DESK_FONT_FAMILY,
        fill: "#1A1A1A",
      }),
      new Konva.Text({
        text: `${state?.count ?? 0} / ${room.capacity}`,
        width: room.width,
        y: room.height / 2 + fontSize * 0.2,
        align: "center",
        fontSize: fontSize * 0.85,
        fontFamily: DESK_FONT_FAMILY,
        fill: "#1A1A1A",
      }),
    );
    roomLayer.add(group);
  }
  const source: DeskStatusSource = {
    status: (deskId) => desks.get(deskId)?.status,
    text: (status) => status,
  };
  const deskLayer = new Konva.Layer({ listening: false });
  for (const desk of plan.desks) {
    const layout = deskLabelLayout(desk);
    const frame = {
      x: desk.x + desk.width / 2,
      y: desk.y + desk.height / 2,
      offsetX: desk.width / 2,
      offsetY: desk.height / 2,
      width: desk.width,
      height: desk.height,
      rotation: desk.rotation,
      perfectDrawEnabled: false,
    };
    if (style === "same-shapes") {
      deskLayer.add(
        new Konva.Shape({
          ...frame,
          sceneFunc: drawDesk,
          hitFunc: hitDesk,
          deskId: desk.id,
          deskLabel: desk.label,
          deskSource: source,
          labelSize: layout.fontSize,
          flip: layout.flip,
        }),
      );
    } else {
      const group = new Konva.Group(frame);
      group.add(
        new Konva.Rect({ width: desk.width, height: desk.height, fill: "#009E73", stroke: "#00664A", strokeWidth: 2 }),
        new Konva.Text({
          text: desk.label,
          x: desk.width * 0.1,
          y: desk.height * 0.3,
          fontSize: layout.fontSize,
          fontFamily: DESK_FONT_FAMILY,
          fill: "#0B0B0B",
        }),
      );
      deskLayer.add(group);
    }
  }
  stage.add(staticLayer, roomLayer, deskLayer);
  return stage;
}
