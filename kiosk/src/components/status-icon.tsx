import type { DeskStatus } from "@desksharing/protocol";

import { deskVisual } from "../model/desk-visual.js";

/** The desk glyph as SVG for the DOM (legend), matching what the canvas draws. */
export function StatusIcon({ status, size = 28 }: { status: DeskStatus; size?: number }) {
  const visual = deskVisual(status);
  const glyph = (() => {
    switch (visual.glyph) {
      case "ring":
        return <circle cx="14" cy="14" r="6" fill="none" stroke={visual.ink} strokeWidth="2.4" />;
      case "disc":
        return <circle cx="14" cy="14" r="7" fill={visual.ink} />;
      case "half":
        return (
          <>
            <circle cx="14" cy="14" r="6" fill="none" stroke={visual.ink} strokeWidth="2.4" />
            <path d="M14 8 A6 6 0 0 0 14 20 Z" fill={visual.ink} />
          </>
        );
      case "cross":
        return <path d="M9 9 L19 19 M19 9 L9 19" stroke={visual.ink} strokeWidth="2.4" />;
      case "question":
        return (
          <text x="14" y="19.5" textAnchor="middle" fontSize="15" fontWeight="bold" fill={visual.ink}>
            ?
          </text>
        );
    }
  })();
  return (
    <svg width={size} height={size} viewBox="0 0 28 28" aria-hidden="true" focusable="false">
      <rect
        x="1"
        y="1"
        width="26"
        height="26"
        rx="4"
        fill={visual.fill}
        stroke={visual.stroke}
        strokeWidth="1.5"
        strokeDasharray={visual.dashed ? "3 2" : undefined}
      />
      {glyph}
    </svg>
  );
}
