import type { DeskStatus } from "@desksharing/protocol";
import type { Context } from "konva/lib/Context";
import type { Shape } from "konva/lib/Shape";

import { deskVisual, type StatusGlyph } from "../model/desk-visual.js";

/** Where a desk shape looks up its live status when it is drawn. */
export interface DeskStatusSource {
  status(deskId: string): DeskStatus | undefined;
  /** Status in words, drawn under the label once the desk is large enough on screen. */
  text(status: DeskStatus): string;
}

/**
 * Attributes a desk shape carries besides Konva's own (x, y, width, height, rotation). One custom shape per desk
 * draws outline, glyph, label and status text in a single node: 5,000 desks stay 5,000 nodes, not 15,000. The status
 * is not an attribute: it is read from `deskSource` at draw time, so a status change touches no Konva node.
 */
export interface DeskShapeAttrs {
  deskId: string;
  deskLabel: string;
  deskSource: DeskStatusSource;
  /** Label font size in plan units (cm). */
  labelSize: number;
  /** Draw the text half a turn round so that it is never upside down. */
  flip: boolean;
}

export const DESK_FONT_FAMILY = '"DejaVu Sans", "Liberation Sans", Arial, sans-serif';

/** Below these on-screen sizes the item is not legible and is skipped (level of detail). */
const MIN_LABEL_PX = 5;
const MIN_STATUS_TEXT_PX = 9;
const MIN_GLYPH_PX = 3;

function drawGlyph(ctx: CanvasRenderingContext2D, glyph: StatusGlyph, cx: number, cy: number, r: number, ink: string) {
  ctx.fillStyle = ink;
  ctx.strokeStyle = ink;
  ctx.lineWidth = r * 0.3;
  ctx.beginPath();
  switch (glyph) {
    case "ring":
      ctx.arc(cx, cy, r * 0.85, 0, Math.PI * 2);
      ctx.stroke();
      break;
    case "disc":
      ctx.arc(cx, cy, r, 0, Math.PI * 2);
      ctx.fill();
      break;
    case "half":
      ctx.arc(cx, cy, r * 0.85, 0, Math.PI * 2);
      ctx.stroke();
      ctx.beginPath();
      ctx.arc(cx, cy, r * 0.85, Math.PI / 2, (Math.PI * 3) / 2);
      ctx.fill();
      break;
    case "cross":
      ctx.moveTo(cx - r * 0.8, cy - r * 0.8);
      ctx.lineTo(cx + r * 0.8, cy + r * 0.8);
      ctx.moveTo(cx + r * 0.8, cy - r * 0.8);
      ctx.lineTo(cx - r * 0.8, cy + r * 0.8);
      ctx.stroke();
      break;
    case "question":
      ctx.font = `bold ${r * 2}px ${DESK_FONT_FAMILY}`;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText("?", cx, cy);
      break;
  }
}

/** Konva `sceneFunc` of a desk. Draws in the desk's own frame: (0, 0) top-left, width × height in cm. */
export function drawDesk(context: Context, shape: Shape): void {
  const ctx = context._context;
  const attrs = shape.attrs as DeskShapeAttrs;
  const width = shape.width();
  const height = shape.height();
  const status = attrs.deskSource.status(attrs.deskId);
  const visual = deskVisual(status);
  // Screen pixels per plan unit; desks are never scaled on their own, only the stage is.
  const px = (shape.getStage()?.scaleX() ?? 1) * (shape.getLayer()?.getCanvas().getPixelRatio() ?? 1);

  ctx.fillStyle = visual.fill;
  ctx.fillRect(0, 0, width, height);
  ctx.strokeStyle = visual.stroke;
  ctx.lineWidth = 1.5 / px;
  if (visual.dashed) ctx.setLineDash([4 / px, 3 / px]);
  ctx.strokeRect(0, 0, width, height);
  if (visual.dashed) ctx.setLineDash([]);

  const radius = Math.min(height * 0.2, width * 0.11);
  if (radius * 2 * px < MIN_GLYPH_PX) return;
  const flipped = attrs.flip;
  if (flipped) {
    ctx.save();
    ctx.translate(width, height);
    ctx.rotate(Math.PI);
  }
  const showStatusText = attrs.labelSize * 0.75 * px >= MIN_STATUS_TEXT_PX;
  const labelY = showStatusText ? height * 0.36 : height / 2;
  drawGlyph(ctx, visual.glyph, width * 0.06 + radius, labelY, radius, visual.ink);
  if (attrs.labelSize * px >= MIN_LABEL_PX) {
    const textX = width * 0.1 + radius * 2;
    ctx.fillStyle = visual.ink;
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    ctx.font = `bold ${attrs.labelSize}px ${DESK_FONT_FAMILY}`;
    ctx.fillText(attrs.deskLabel, textX, labelY, width - textX - width * 0.04);
    if (showStatusText) {
      ctx.font = `${attrs.labelSize * 0.75}px ${DESK_FONT_FAMILY}`;
      ctx.fillText(attrs.deskSource.text(status ?? "unknown"), width * 0.06, height * 0.72, width * 0.9);
    }
  }
  if (flipped) ctx.restore();
}

/** Hit region of a desk: its rectangle (the default would run the whole scene function). */
export function hitDesk(context: Context, shape: Shape): void {
  context.beginPath();
  context.rect(0, 0, shape.width(), shape.height());
  context.closePath();
  context.fillStrokeShape(shape);
}
