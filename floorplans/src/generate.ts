import {
  type Desk,
  EQUIPMENT,
  type Equipment,
  type FloorPlan,
  isId,
  type Room,
  type Wall,
  type Zone,
} from "@desksharing/protocol";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";

export interface GenerateFloorPlanOptions {
  desks: number;
  seed?: number;
  siteId?: string;
  floorId?: string;
  /** Meeting rooms per 100 desks (default 4); each room gets one people counter. */
  roomsPer100Desks?: number;
}

/** Desks of a schema-valid floor plan: the protocol caps a floor at 20,000. */
export const MAX_GENERATED_DESKS = 20_000;
/** Keeps generated ids (`thermal-<floorId>-<n>`) within the 64 characters an id may have. */
const MAX_FLOOR_ID_LENGTH = 48;

// Geometry in centimetres: desks in face-to-face blocks of 2 × 3, zones of 4 × 2 blocks.
const DESK_WIDTH = 160;
const DESK_DEPTH = 80;
const DESKS_PER_BLOCK_ROW = 3;
const BLOCK_WIDTH = DESKS_PER_BLOCK_ROW * DESK_WIDTH;
const BLOCK_HEIGHT = 2 * DESK_DEPTH;
const BLOCK_GAP_X = 160;
const BLOCK_GAP_Y = 200;
const ZONE_BLOCK_COLUMNS = 4;
const ZONE_BLOCK_ROWS = 2;
const DESKS_PER_ZONE = ZONE_BLOCK_COLUMNS * ZONE_BLOCK_ROWS * 2 * DESKS_PER_BLOCK_ROW;
const ZONE_PADDING = 100;
const ZONE_WIDTH = 2 * ZONE_PADDING + ZONE_BLOCK_COLUMNS * (BLOCK_WIDTH + BLOCK_GAP_X) - BLOCK_GAP_X;
const ZONE_HEIGHT = 2 * ZONE_PADDING + ZONE_BLOCK_ROWS * (BLOCK_HEIGHT + BLOCK_GAP_Y) - BLOCK_GAP_Y;
const CORRIDOR = 200;
const MARGIN = 200;
const ROOM_DEPTH = 500;
const ROOM_SIZES = [
  { width: 300, capacity: 2 },
  { width: 500, capacity: 4 },
  { width: 700, capacity: 6 },
  { width: 1000, capacity: 10 },
] as const;
const THERMAL_SHARE = 0.15;
const ACCESSIBLE_SHARE = 0.05;
const DEPARTMENTS = ["Engineering", "Sales", "Marketing", "Finance", "People", "Support", "Product", "Design", "Legal"];
const PALETTE = ["#4f7cac", "#5fa8a0", "#c98b4f", "#b5566a", "#8a6fb0", "#6b9a4f", "#c4a93b", "#4b8bbe"];

/** Zone codes A…Z, AA…AZ, BA…: spreadsheet-style, so labels stay short and unique. */
function zoneCode(index: number): string {
  let code = "";
  let n = index + 1;
  while (n > 0) {
    const rem = (n - 1) % 26;
    code = String.fromCharCode(65 + rem) + code;
    n = Math.floor((n - 1) / 26);
  }
  return code;
}

function pick<T>(rng: RandomGenerator, items: readonly T[]): T {
  return items[uniformInt(rng, 0, items.length - 1)] as T;
}

function deskEquipment(rng: RandomGenerator): Equipment[] {
  const screen: Equipment = uniformFloat64(rng) < 0.4 ? "dual-monitor" : "monitor";
  const extras = EQUIPMENT.filter(
    (item) => item !== "monitor" && item !== "dual-monitor" && item !== "docking-station" && uniformFloat64(rng) < 0.2,
  );
  return [screen, "docking-station", ...extras];
}

function rectWalls(prefix: string, start: number, x: number, y: number, width: number, height: number): Wall[] {
  const corners = [
    [x, y, x + width, y],
    [x + width, y, x + width, y + height],
    [x + width, y + height, x, y + height],
    [x, y + height, x, y],
  ] as const;
  return corners.map(([x1, y1, x2, y2], i) => ({ id: `${prefix}${start + i}`, x1, y1, x2, y2, thickness: 15 }));
}

/**
 * A synthetic floor of `desks` desks for benchmarks and load tests: a band of meeting rooms on top, then a grid of
 * zones with face-to-face desk blocks. The same options always give the same plan. Every desk has exactly one sensor
 * (`pir-…` or, for about 15 %, `thermal-…`) and every room one people counter (`counter-…`); ids embed the floor id so
 * several generated floors of one site do not collide.
 */
export function generateFloorPlan(options: GenerateFloorPlanOptions): FloorPlan {
  const { desks: deskCount, seed = 1, siteId = "synthetic", floorId = "floor-1", roomsPer100Desks = 4 } = options;
  if (!Number.isInteger(deskCount) || deskCount < 1 || deskCount > MAX_GENERATED_DESKS) {
    throw new RangeError(`desks must be an integer from 1 to ${MAX_GENERATED_DESKS}, got ${deskCount}`);
  }
  if (!Number.isFinite(roomsPer100Desks) || roomsPer100Desks < 0) {
    throw new RangeError(`roomsPer100Desks must be a non-negative number, got ${roomsPer100Desks}`);
  }
  if (!isId(siteId)) throw new RangeError(`siteId ${JSON.stringify(siteId)} is not a valid id`);
  if (!isId(floorId) || floorId.length > MAX_FLOOR_ID_LENGTH) {
    throw new RangeError(
      `floorId ${JSON.stringify(floorId)} must be a valid id of at most ${MAX_FLOOR_ID_LENGTH} characters`,
    );
  }
  const rng = xoroshiro128plus(seed);

  const zoneCount = Math.ceil(deskCount / DESKS_PER_ZONE);
  const zonePitchX = ZONE_WIDTH + CORRIDOR;
  const zonePitchY = ZONE_HEIGHT + CORRIDOR;
  // Columns chosen so the desk area comes out roughly square.
  const columns = Math.max(1, Math.round(Math.sqrt((zoneCount * zonePitchY) / zonePitchX)));
  const zoneRows = Math.ceil(zoneCount / columns);
  const width = 2 * MARGIN + columns * zonePitchX - CORRIDOR;

  const rooms: Room[] = [];
  const walls: Wall[] = [];
  const roomCount = Math.round((deskCount * roomsPer100Desks) / 100);
  let roomX = MARGIN;
  let roomY = MARGIN;
  for (let i = 1; i <= roomCount; i++) {
    const size = pick(rng, ROOM_SIZES);
    if (roomX + size.width > width - MARGIN) {
      roomX = MARGIN;
      roomY += ROOM_DEPTH;
    }
    rooms.push({
      id: `${floorId}-r${i}`,
      label: `Room ${i}`,
      x: roomX,
      y: roomY,
      width: size.width,
      height: ROOM_DEPTH,
      capacity: size.capacity,
      sensorIds: [`counter-${floorId}-${i}`],
    });
    walls.push(...rectWalls(`${floorId}-w`, walls.length + 5, roomX, roomY, size.width, ROOM_DEPTH));
    roomX += size.width;
  }
  const deskAreaY = roomCount === 0 ? MARGIN : roomY + ROOM_DEPTH + CORRIDOR;
  const height = deskAreaY + zoneRows * zonePitchY - CORRIDOR + MARGIN;
  walls.unshift(...rectWalls(`${floorId}-w`, 1, 0, 0, width, height));

  const zones: Zone[] = [];
  const desks: Desk[] = [];
  for (let z = 0; z < zoneCount; z++) {
    const code = zoneCode(z);
    const zone: Zone = {
      id: `${floorId}-z${z + 1}`,
      name: `${pick(rng, DEPARTMENTS)} ${code}`,
      colour: PALETTE[z % PALETTE.length] as string,
      x: MARGIN + (z % columns) * zonePitchX,
      y: deskAreaY + Math.floor(z / columns) * zonePitchY,
      width: ZONE_WIDTH,
      height: ZONE_HEIGHT,
    };
    zones.push(zone);
    const inZone = Math.min(DESKS_PER_ZONE, deskCount - z * DESKS_PER_ZONE);
    for (let k = 0; k < inZone; k++) {
      const block = Math.floor(k / (2 * DESKS_PER_BLOCK_ROW));
      const side = Math.floor(k / DESKS_PER_BLOCK_ROW) % 2;
      const seat = k % DESKS_PER_BLOCK_ROW;
      const n = desks.length + 1;
      const sensor = uniformFloat64(rng) < THERMAL_SHARE ? "thermal" : "pir";
      desks.push({
        id: `${floorId}-d${n}`,
        label: `${code}.${String(k + 1).padStart(2, "0")}`,
        x: zone.x + ZONE_PADDING + (block % ZONE_BLOCK_COLUMNS) * (BLOCK_WIDTH + BLOCK_GAP_X) + seat * DESK_WIDTH,
        y:
          zone.y +
          ZONE_PADDING +
          Math.floor(block / ZONE_BLOCK_COLUMNS) * (BLOCK_HEIGHT + BLOCK_GAP_Y) +
          side * DESK_DEPTH,
        width: DESK_WIDTH,
        height: DESK_DEPTH,
        rotation: side === 0 ? 0 : 180,
        zoneId: zone.id,
        sensorIds: [`${sensor}-${floorId}-${n}`],
        equipment: deskEquipment(rng),
        accessible: uniformFloat64(rng) < ACCESSIBLE_SHARE,
      });
    }
  }

  return {
    schemaVersion: 1,
    siteId,
    floorId,
    name: `Synthetic floor (${deskCount} desks)`,
    level: 0,
    width,
    height,
    walls,
    zones,
    rooms,
    desks,
  };
}
