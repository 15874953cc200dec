import type { Desk, DeskState, DeskStatus, FloorPlan, Room } from "@desksharing/protocol";
import { DESK_STATUSES } from "@desksharing/protocol";

/** Floors in building order (lowest level first), ties by name. */
export function sortFloors(plans: readonly FloorPlan[]): FloorPlan[] {
  return [...plans].sort((a, b) => a.level - b.level || a.name.localeCompare(b.name));
}

/**
 * The floor to show: the one asked for if the site has it, else the current one if it still exists, else the
 * ground floor (level 0), else the lowest.
 */
export function chooseFloor(
  plans: readonly FloorPlan[],
  requested: string | null,
  current: string | null,
): FloorPlan | null {
  const byId = (id: string | null) => (id === null ? undefined : plans.find((plan) => plan.floorId === id));
  const sorted = sortFloors(plans);
  return byId(requested) ?? byId(current) ?? sorted.find((plan) => plan.level === 0) ?? sorted[0] ?? null;
}

export type StatusCounts = Record<DeskStatus, number>;

/** Desks of the floor per status; a desk the edge has not reported is counted as unknown. */
export function countStatuses(plan: FloorPlan, desks: ReadonlyMap<string, DeskState>): StatusCounts {
  const counts = Object.fromEntries(DESK_STATUSES.map((status) => [status, 0])) as StatusCounts;
  for (const desk of plan.desks) counts[desks.get(desk.id)?.status ?? "unknown"] += 1;
  return counts;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/** Desks in reading order of their labels ("A-2" before "A-10"). */
export function desksByLabel(plan: FloorPlan): Desk[] {
  return [...plan.desks].sort((a, b) => collator.compare(a.label, b.label));
}

/** Rooms in reading order of their labels. */
export function roomsByLabel(plan: FloorPlan): Room[] {
  return [...plan.rooms].sort((a, b) => collator.compare(a.label, b.label));
}

export interface LabelLayout {
  /** Font size in plan units (cm). */
  fontSize: number;
  /** Turn the text half a turn so it is never upside down on a rotated desk. */
  flip: boolean;
}

/** Character width as a share of the font size for the sans-serif fonts the kiosk uses. */
const CHAR_WIDTH = 0.6;

/** Label size that fits the desk's width (leaving room for the status glyph) and a third of its depth. */
export function deskLabelLayout(desk: Pick<Desk, "width" | "height" | "rotation" | "label">): LabelLayout {
  const widthForText = desk.width * 0.62;
  const fontSize = Math.min(desk.height * 0.34, widthForText / (Math.max(desk.label.length, 3) * CHAR_WIDTH));
  const turn = ((desk.rotation % 360) + 360) % 360;
  return { fontSize, flip: turn > 90 && turn <= 270 };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** HH:MM in the kiosk's time zone (24-hour clock, as both languages use it on signage). */
export function formatHhMm(ms: number, locale: string, timeZone?: string): string {
  const key = `${locale}|${timeZone ?? ""}`;
  let format = formatters.get(key);
  if (format === undefined) {
    // Building a DateTimeFormat costs far more than using one; the clock formats every second.
    format = new Intl.DateTimeFormat(locale, {
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      ...(timeZone === undefined ? {} : { timeZone }),
    });
    formatters.set(key, format);
  }
  return format.format(ms);
}
