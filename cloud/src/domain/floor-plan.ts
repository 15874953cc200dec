import type { FloorPlan } from "@desksharing/protocol";

export interface PlanPlacementIssue {
  path: string;
  message: string;
}

/** A document belongs to exactly one site and floor; its ids must name the ones it is stored under. */
export function placementIssues(plan: FloorPlan, siteKey: string, floorKey?: string): PlanPlacementIssue[] {
  const issues: PlanPlacementIssue[] = [];
  if (plan.siteId !== siteKey) {
    issues.push({ path: "body.siteId", message: `document is for site '${plan.siteId}', not '${siteKey}'` });
  }
  if (floorKey !== undefined && plan.floorId !== floorKey) {
    issues.push({ path: "body.floorId", message: `document is for floor '${plan.floorId}', not '${floorKey}'` });
  }
  return issues;
}

export interface PlanInventory {
  zones: { key: string; name: string; colour: string }[];
  desks: { key: string; label: string; zoneKey: string | null; equipment: string[]; accessible: boolean }[];
  rooms: { key: string; label: string; capacity: number }[];
}

/** The rows a published version is normalised into (bookings will refer to them). */
export function inventoryOf(plan: FloorPlan): PlanInventory {
  return {
    zones: plan.zones.map((zone) => ({ key: zone.id, name: zone.name, colour: zone.colour })),
    desks: plan.desks.map((desk) => ({
      key: desk.id,
      label: desk.label,
      zoneKey: desk.zoneId ?? null,
      equipment: [...new Set(desk.equipment)],
      accessible: desk.accessible,
    })),
    rooms: plan.rooms.map((room) => ({ key: room.id, label: room.label, capacity: room.capacity })),
  };
}
