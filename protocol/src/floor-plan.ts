import { z } from "zod";

import { DeskId, DeviceId, FloorId, Id, RoomId, SiteId } from "./ids.js";

/** Current version of the floor-plan document format. */
export const FLOOR_PLAN_SCHEMA_VERSION = 1;

/** Centimetres from the floor's top-left corner. */
const Cm = z.number().finite().min(0).max(1_000_000);
const Size = z.number().finite().positive().max(1_000_000);
const Label = z.string().trim().min(1).max(64);
const Colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, "must be a #rrggbb colour");

/** Axis-aligned rectangle in centimetres. */
export const Rect = z.strictObject({ x: Cm, y: Cm, width: Size, height: Size });
export type Rect = z.infer<typeof Rect>;

export const Wall = z.strictObject({
  id: Id,
  x1: Cm,
  y1: Cm,
  x2: Cm,
  y2: Cm,
  /** Thickness in centimetres. */
  thickness: Size.default(15),
});
export type Wall = z.infer<typeof Wall>;

export const Zone = Rect.extend({
  id: Id,
  name: Label,
  colour: Colour,
});
export type Zone = z.infer<typeof Zone>;

export const Room = Rect.extend({
  id: RoomId,
  label: Label,
  /** Seats in the room. */
  capacity: z.number().int().min(1).max(1000),
  /** People counters at the room's doors. */
  sensorIds: z.array(DeviceId).max(8).default([]),
});
export type Room = z.infer<typeof Room>;

export const EQUIPMENT = ["monitor", "dual-monitor", "docking-station", "standing-desk", "headset", "webcam"] as const;
export const Equipment = z.enum(EQUIPMENT);
export type Equipment = z.infer<typeof Equipment>;

export const Desk = Rect.extend({
  id: DeskId,
  label: Label,
  /** Clockwise rotation in degrees around the desk's centre. */
  rotation: z.number().finite().min(-360).max(360).default(0),
  zoneId: Id.optional(),
  /** Occupancy sensors under this desk (usually one). */
  sensorIds: z.array(DeviceId).max(4).default([]),
  equipment: z.array(Equipment).max(EQUIPMENT.length).default([]),
  accessible: z.boolean().default(false),
});
export type Desk = z.infer<typeof Desk>;

export const Background = z.strictObject({
  /** Path or URL of the image, relative to the floor-plan document. */
  src: z.string().min(1).max(512),
  width: Size,
  height: Size,
});

/**
 * One floor of a site. Sizes and positions in centimetres. Ids are unique within the document,
 * desk labels are unique within the floor, and every desk and room lies inside the floor.
 */
export const FloorPlan = z
  .strictObject({
    schemaVersion: z.literal(FLOOR_PLAN_SCHEMA_VERSION),
    siteId: SiteId,
    floorId: FloorId,
    name: Label,
    level: z.number().int().min(-10).max(200),
    width: Size,
    height: Size,
    background: Background.optional(),
    walls: z.array(Wall).max(50_000).default([]),
    zones: z.array(Zone).max(1_000).default([]),
    rooms: z.array(Room).max(5_000).default([]),
    desks: z.array(Desk).max(20_000).default([]),
  })
  .superRefine((plan, ctx) => {
    for (const issue of floorPlanGeometryIssues(plan)) ctx.addIssue({ code: "custom", ...issue });
  });
export type FloorPlan = z.infer<typeof FloorPlan>;
export type FloorPlanInput = z.input<typeof FloorPlan>;

export interface GeometryIssue {
  path: (string | number)[];
  message: string;
}

function inside(rect: Rect, plan: { width: number; height: number }): boolean {
  return rect.x + rect.width <= plan.width && rect.y + rect.height <= plan.height;
}

/** Geometry and uniqueness rules that a schema alone cannot express. */
export function floorPlanGeometryIssues(plan: Omit<FloorPlan, "schemaVersion"> | FloorPlan): GeometryIssue[] {
  const issues: GeometryIssue[] = [];
  const ids = new Set<string>();
  const zoneIds = new Set(plan.zones.map((zone) => zone.id));
  const labels = new Set<string>();
  const sensors = new Set<string>();
  const claimId = (id: string, path: (string | number)[]): void => {
    if (ids.has(id)) issues.push({ path, message: `duplicate id '${id}'` });
    ids.add(id);
  };
  const claimSensor = (id: string, path: (string | number)[]): void => {
    if (sensors.has(id)) issues.push({ path, message: `sensor '${id}' is used twice` });
    sensors.add(id);
  };
  plan.walls.forEach((wall, i) => {
    claimId(wall.id, ["walls", i, "id"]);
    if (Math.max(wall.x1, wall.x2) > plan.width || Math.max(wall.y1, wall.y2) > plan.height) {
      issues.push({ path: ["walls", i], message: "wall lies outside the floor" });
    }
  });
  plan.zones.forEach((zone, i) => claimId(zone.id, ["zones", i, "id"]));
  plan.rooms.forEach((room, i) => {
    claimId(room.id, ["rooms", i, "id"]);
    if (!inside(room, plan))
      issues.push({ path: ["rooms", i], message: `room '${room.label}' lies outside the floor` });
    room.sensorIds.forEach((sensor, j) => claimSensor(sensor, ["rooms", i, "sensorIds", j]));
  });
  plan.desks.forEach((desk, i) => {
    claimId(desk.id, ["desks", i, "id"]);
    if (labels.has(desk.label))
      issues.push({ path: ["desks", i, "label"], message: `duplicate desk label '${desk.label}'` });
    labels.add(desk.label);
    if (!inside(desk, plan))
      issues.push({ path: ["desks", i], message: `desk '${desk.label}' lies outside the floor` });
    if (desk.zoneId !== undefined && !zoneIds.has(desk.zoneId)) {
      issues.push({ path: ["desks", i, "zoneId"], message: `unknown zone '${desk.zoneId}'` });
    }
    desk.sensorIds.forEach((sensor, j) => claimSensor(sensor, ["desks", i, "sensorIds", j]));
  });
  return issues;
}

/** A sensor named by a floor plan, with what it measures and what it belongs to. */
export interface PlannedSensor {
  deviceId: string;
  kind: "desk" | "room";
  /** Desk id or room id. */
  targetId: string;
  floorId: string;
}

export function sensorsOfPlan(plan: FloorPlan): PlannedSensor[] {
  return [
    ...plan.desks.flatMap((desk) =>
      desk.sensorIds.map((deviceId) => ({ deviceId, kind: "desk" as const, targetId: desk.id, floorId: plan.floorId })),
    ),
    ...plan.rooms.flatMap((room) =>
      room.sensorIds.map((deviceId) => ({ deviceId, kind: "room" as const, targetId: room.id, floorId: plan.floorId })),
    ),
  ];
}
