import type { DeskStatus, RoomStatus } from "@desksharing/protocol";

/** Shape drawn next to a desk label so that status never depends on colour alone. */
export type StatusGlyph = "ring" | "disc" | "half" | "cross" | "question";

export interface StatusVisual {
  /** Fill of the desk, from the Okabe–Ito palette (distinguishable with the common colour-vision deficiencies). */
  fill: string;
  /** Outline; offline and unknown desks are outlined dashed so they read as "no data" even in greyscale. */
  stroke: string;
  dashed: boolean;
  /** Text and glyph colour, chosen for at least 4.5:1 contrast on `fill`. */
  ink: string;
  glyph: StatusGlyph;
  /** i18n key of the status text. */
  textKey: `status.${DeskStatus}`;
}

export const DESK_STATUS_VISUALS: Readonly<Record<DeskStatus, StatusVisual>> = {
  free: { fill: "#009E73", stroke: "#00664A", dashed: false, ink: "#0B0B0B", glyph: "ring", textKey: "status.free" },
  occupied: {
    fill: "#D55E00",
    stroke: "#8A3D00",
    dashed: false,
    ink: "#0B0B0B",
    glyph: "disc",
    textKey: "status.occupied",
  },
  "pending-free": {
    fill: "#E69F00",
    stroke: "#946600",
    dashed: false,
    ink: "#0B0B0B",
    glyph: "half",
    textKey: "status.pending-free",
  },
  offline: {
    fill: "#9A9A9A",
    stroke: "#4D4D4D",
    dashed: true,
    ink: "#0B0B0B",
    glyph: "cross",
    textKey: "status.offline",
  },
  unknown: {
    fill: "#D9D9D9",
    stroke: "#6B6B6B",
    dashed: true,
    ink: "#0B0B0B",
    glyph: "question",
    textKey: "status.unknown",
  },
};

/** A desk the plan names but the edge has not reported yet is `unknown`, never assumed free. */
export function deskVisual(status: DeskStatus | undefined): StatusVisual {
  return DESK_STATUS_VISUALS[status ?? "unknown"];
}

export interface RoomVisual {
  fill: string;
  stroke: string;
  textKey: `roomStatus.${RoomStatus}`;
}

export const ROOM_STATUS_VISUALS: Readonly<Record<RoomStatus, RoomVisual>> = {
  free: { fill: "#E3F4EE", stroke: "#009E73", textKey: "roomStatus.free" },
  occupied: { fill: "#FBE6D6", stroke: "#D55E00", textKey: "roomStatus.occupied" },
  offline: { fill: "#EFEFEF", stroke: "#4D4D4D", textKey: "roomStatus.offline" },
  unknown: { fill: "#F5F5F5", stroke: "#6B6B6B", textKey: "roomStatus.unknown" },
};

export function roomVisual(status: RoomStatus | undefined): RoomVisual {
  return ROOM_STATUS_VISUALS[status ?? "unknown"];
}

/** Relative luminance contrast ratio of two #rrggbb colours (WCAG 2.x). */
export function contrastRatio(a: string, b: string): number {
  const luminance = (hex: string): number => {
    const channels = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
    const [r = 0, g = 0, bl = 0] = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}
