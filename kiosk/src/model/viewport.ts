/** Stage transform: a plan point p (cm) appears on screen at `p × scale + (x, y)` (px). */
export interface Viewport {
  scale: number;
  x: number;
  y: number;
}

export interface Size {
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

export interface ZoomLimits {
  min: number;
  max: number;
}

/** Zooming out past half the fitted size only shrinks the plan; 8× fit shows a 5,000-desk floor's labels. */
export const MIN_ZOOM_OF_FIT = 0.5;
export const MAX_ZOOM_OF_FIT = 8;
/** Screen pixels per centimetre beyond which a small floor would show one desk filling the screen. */
export const MAX_PX_PER_CM = 1.5;
/** Every floor can be zoomed at least this far, however small. */
export const MIN_MAX_ZOOM_OF_FIT = 2;
/** Screen pixels of the plan that always stay visible, so the plan cannot be dragged away entirely. */
export const PAN_KEEP_VISIBLE_PX = 96;

/** The whole plan centred on screen with `padding` px around it. */
export function fitViewport(plan: Size, screen: Size, padding = 16): Viewport {
  const availableWidth = Math.max(1, screen.width - 2 * padding);
  const availableHeight = Math.max(1, screen.height - 2 * padding);
  const scale = Math.min(availableWidth / plan.width, availableHeight / plan.height);
  return {
    scale,
    x: (screen.width - plan.width * scale) / 2,
    y: (screen.height - plan.height * scale) / 2,
  };
}

export function zoomLimits(plan: Size, screen: Size): ZoomLimits {
  const fit = fitViewport(plan, screen).scale;
  return {
    min: fit * MIN_ZOOM_OF_FIT,
    max: Math.max(fit * MIN_MAX_ZOOM_OF_FIT, Math.min(fit * MAX_ZOOM_OF_FIT, MAX_PX_PER_CM)),
  };
}

/** Keeps at least PAN_KEEP_VISIBLE_PX of the plan on screen in each direction. */
export function clampPan(viewport: Viewport, plan: Size, screen: Size): Viewport {
  const clampAxis = (offset: number, planPx: number, screenPx: number): number => {
    const keep = Math.min(PAN_KEEP_VISIBLE_PX, planPx, screenPx);
    return Math.min(screenPx - keep, Math.max(keep - planPx, offset));
  };
  return {
    scale: viewport.scale,
    x: clampAxis(viewport.x, plan.width * viewport.scale, screen.width),
    y: clampAxis(viewport.y, plan.height * viewport.scale, screen.height),
  };
}

/** Scales by `factor` around the screen point `centre`, which stays over the same plan point. */
export function zoomAt(viewport: Viewport, factor: number, centre: Point, plan: Size, screen: Size): Viewport {
  const limits = zoomLimits(plan, screen);
  const scale = Math.min(limits.max, Math.max(limits.min, viewport.scale * factor));
  const applied = scale / viewport.scale;
  return clampPan(
    {
      scale,
      x: centre.x - (centre.x - viewport.x) * applied,
      y: centre.y - (centre.y - viewport.y) * applied,
    },
    plan,
    screen,
  );
}

export function panBy(viewport: Viewport, dx: number, dy: number, plan: Size, screen: Size): Viewport {
  return clampPan({ ...viewport, x: viewport.x + dx, y: viewport.y + dy }, plan, screen);
}

/**
 * Two-finger gesture from one pair of touch points to the next: zooms by the change of their distance around
 * their midpoint and pans by the midpoint's movement, so the plan follows the fingers.
 */
export function pinch(
  viewport: Viewport,
  from: readonly [Point, Point],
  to: readonly [Point, Point],
  plan: Size,
  screen: Size,
): Viewport {
  const distance = ([a, b]: readonly [Point, Point]): number => Math.hypot(a.x - b.x, a.y - b.y);
  const middle = ([a, b]: readonly [Point, Point]): Point => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });
  const before = distance(from);
  const factor = before > 0 ? distance(to) / before : 1;
  const start = middle(from);
  const end = middle(to);
  const zoomed = zoomAt(viewport, factor, start, plan, screen);
  return panBy(zoomed, end.x - start.x, end.y - start.y, plan, screen);
}

/** Zoom factor for one wheel event; a trackpad's small deltas zoom smoothly, a mouse notch by about 10 %. */
export function wheelZoomFactor(deltaY: number): number {
  return Math.exp(-Math.max(-100, Math.min(100, deltaY)) / 1000);
}

/** Plan point under a screen point. */
export function toPlanPoint(viewport: Viewport, screen: Point): Point {
  return { x: (screen.x - viewport.x) / viewport.scale, y: (screen.y - viewport.y) / viewport.scale };
}
