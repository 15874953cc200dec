import type Konva from "konva";
import { useEffect, useRef, type RefObject } from "react";

import { panBy, pinch, wheelZoomFactor, zoomAt, type Point, type Size, type Viewport } from "../model/viewport.js";

/** Movement (px) under which a pointer down/up pair counts as a tap, not a drag. */
const TAP_SLOP_PX = 10;

export interface GestureTarget {
  plan: Size;
  screen: Size;
  /** Moves the view while a gesture goes on (cheap: no redraw of the plan). */
  update: (change: (viewport: Viewport) => Viewport) => void;
  /** The gesture ended: draw the plan at the new view. */
  settle: () => void;
  onTap: ((point: Point) => void) | undefined;
}

/**
 * Drag to pan, pinch or wheel to zoom, tap to pick, on the element holding the stage. Pointer events cover
 * mouse, pen and touch alike; the element needs `touch-action: none` so the browser leaves gestures to us.
 */
export function useViewportGestures(element: RefObject<HTMLElement | null>, target: GestureTarget): void {
  const latest = useRef(target);
  latest.current = target;

  useEffect(() => {
    const el = element.current;
    if (el === null) return undefined;
    const pointers = new Map<number, Point>();
    let tapCandidate: { id: number; start: Point } | null = null;

    const local = (event: PointerEvent | WheelEvent): Point => {
      const box = el.getBoundingClientRect();
      return { x: event.clientX - box.left, y: event.clientY - box.top };
    };

    const onPointerDown = (event: PointerEvent) => {
      if ((event.target as HTMLElement).closest("button") !== null) return;
      el.setPointerCapture(event.pointerId);
      const point = local(event);
      pointers.set(event.pointerId, point);
      tapCandidate = pointers.size === 1 ? { id: event.pointerId, start: point } : null;
    };

    const onPointerMove = (event: PointerEvent) => {
      const previous = pointers.get(event.pointerId);
      if (previous === undefined) return;
      const point = local(event);
      const { plan, screen, update } = latest.current;
      if (
        tapCandidate !== null &&
        Math.hypot(point.x - tapCandidate.start.x, point.y - tapCandidate.start.y) > TAP_SLOP_PX
      ) {
        tapCandidate = null;
      }
      if (pointers.size === 1) {
        update((viewport) => panBy(viewport, point.x - previous.x, point.y - previous.y, plan, screen));
      } else if (pointers.size === 2) {
        const other = [...pointers.entries()].find(([id]) => id !== event.pointerId)?.[1];
        if (other !== undefined) update((viewport) => pinch(viewport, [previous, other], [point, other], plan, screen));
      }
      pointers.set(event.pointerId, point);
    };

    const onPointerUp = (event: PointerEvent) => {
      if (!pointers.delete(event.pointerId)) return;
      if (tapCandidate?.id === event.pointerId && event.type === "pointerup") latest.current.onTap?.(local(event));
      tapCandidate = null;
      if (pointers.size === 0) latest.current.settle();
    };

    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      const centre = local(event);
      const { plan, screen, update } = latest.current;
      update((viewport) => zoomAt(viewport, wheelZoomFactor(event.deltaY), centre, plan, screen));
    };

    el.addEventListener("pointerdown", onPointerDown);
    el.addEventListener("pointermove", onPointerMove);
    el.addEventListener("pointerup", onPointerUp);
    el.addEventListener("pointercancel", onPointerUp);
    el.addEventListener("wheel", onWheel, { passive: false });
    return () => {
      el.removeEventListener("pointerdown", onPointerDown);
      el.removeEventListener("pointermove", onPointerMove);
      el.removeEventListener("pointerup", onPointerUp);
      el.removeEventListener("pointercancel", onPointerUp);
      el.removeEventListener("wheel", onWheel);
    };
  }, [element]);
}

/** The desk id under a stage point, if any (uses the desk layer's hit graph). */
export function deskAt(stage: Konva.Stage | null, point: Point): string | null {
  const shape = stage?.getIntersection(point);
  const id: unknown = shape?.getAttr("deskId");
  return typeof id === "string" ? id : null;
}
