import type { DeskState, DeskStatus, FloorPlan, Room, RoomState } from "@desksharing/protocol";
import type Konva from "konva";
import { useCallback, useLayoutEffect, useMemo, useRef, useState, type Ref } from "react";
import { Layer, Stage } from "react-konva";

import { fitViewport, zoomAt, type Point, type Viewport } from "../model/viewport.js";

import { DeskPainter } from "./desk-painter.js";
import { DeskShapes, RoomShape, StaticPlan } from "./plan-shapes.js";
import { deskAt, useViewportGestures } from "./use-viewport-gestures.js";
import "./floor-plan-view.css";

export interface FloorPlanViewLabels {
  plan: string;
  zoomIn: string;
  zoomOut: string;
  fit: string;
}

export interface FloorPlanViewProps {
  plan: FloorPlan;
  /** Desk states by desk id; desks of the plan missing here are drawn as unknown. */
  desks: ReadonlyMap<string, DeskState>;
  rooms: ReadonlyMap<string, RoomState>;
  /** Size of the view in CSS pixels. */
  width: number;
  height: number;
  /** The state is not current: the plan is dimmed and hatched. */
  stale?: boolean;
  /** Called with the desk id when a desk is tapped or clicked; without it desks take no pointer input. */
  onDeskTap?: (deskId: string) => void;
  /** Words for each status, drawn on desks that are large enough on screen. */
  statusText?: Readonly<Record<DeskStatus, string>>;
  /** Text under a room's name, e.g. its people count. */
  roomText?: (room: Room, state: RoomState | undefined) => string;
  labels?: FloorPlanViewLabels;
  stageRef?: Ref<Konva.Stage>;
}

const ENGLISH_STATUS: Readonly<Record<DeskStatus, string>> = {
  free: "free",
  occupied: "occupied",
  "pending-free": "soon free",
  offline: "offline",
  unknown: "unknown",
};

const ENGLISH_LABELS: FloorPlanViewLabels = {
  plan: "Floor plan",
  zoomIn: "Zoom in",
  zoomOut: "Zoom out",
  fit: "Show the whole floor",
};

function defaultRoomText(room: Room, state: RoomState | undefined): string {
  return `${state?.count ?? 0} / ${room.capacity}`;
}

const BUTTON_ZOOM = 1.5;
/** A gesture that pauses this long is drawn at its current view. */
const SETTLE_AFTER_MS = 150;

/**
 * The live floor plan: zones, walls, rooms with their people count, desks with label, status glyph and colour.
 * Pan by dragging, zoom by pinching, the wheel or the buttons. Reused by the web console's floor views.
 *
 * During a gesture the drawn canvases are moved with a CSS transform and the plan is redrawn at the new view once
 * the gesture settles: redrawing 5,000 desks on every pointer move would not keep up with the finger.
 */
export function FloorPlanView({
  plan,
  desks,
  rooms,
  width,
  height,
  stale = false,
  onDeskTap,
  statusText = ENGLISH_STATUS,
  roomText = defaultRoomText,
  labels = ENGLISH_LABELS,
  stageRef,
}: FloorPlanViewProps) {
  const container = useRef<HTMLDivElement | null>(null);
  const canvasBox = useRef<HTMLDivElement | null>(null);
  const stage = useRef<Konva.Stage | null>(null);
  const screen = useMemo(() => ({ width, height }), [width, height]);
  // One painter per plan; later texts reach it through update(), like the states.
  const painter = useMemo(() => new DeskPainter(plan.desks, statusText), [plan]);
  useLayoutEffect(() => painter.update(desks, statusText), [painter, desks, statusText]);

  // The fitted view is derived while the plan and size stay the same, so a resize or a new floor refits at once.
  const fitKey = `${plan.siteId}/${plan.floorId}:${plan.width}x${plan.height}@${width}x${height}`;
  const [view, setView] = useState<{ key: string; viewport: Viewport }>(() => ({
    key: fitKey,
    viewport: fitViewport(plan, screen),
  }));
  const fitted = useMemo(() => fitViewport(plan, screen), [plan, screen]);
  const viewport = view.key === fitKey ? view.viewport : fitted;
  const drawn = useRef(viewport);
  drawn.current = viewport;
  const live = useRef<{ key: string; viewport: Viewport }>({ key: fitKey, viewport });
  if (live.current.key !== fitKey) live.current = { key: fitKey, viewport };
  const settleTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const settle = useCallback(() => {
    clearTimeout(settleTimer.current);
    const next = live.current;
    setView((current) => (current.key === next.key && current.viewport === next.viewport ? current : next));
  }, []);

  const update = useCallback(
    (change: (viewport: Viewport) => Viewport) => {
      const next = change(live.current.viewport);
      live.current = { key: fitKey, viewport: next };
      const box = canvasBox.current;
      if (box !== null) {
        const base = drawn.current;
        const k = next.scale / base.scale;
        box.style.transform = `matrix(${k}, 0, 0, ${k}, ${next.x - base.x * k}, ${next.y - base.y * k})`;
      }
      clearTimeout(settleTimer.current);
      settleTimer.current = setTimeout(settle, SETTLE_AFTER_MS);
    },
    [fitKey, settle],
  );

  // Drop the CSS transform in the frame in which Konva has redrawn every layer at the new view.
  useLayoutEffect(() => {
    const box = canvasBox.current;
    const layers = stage.current?.getLayers() ?? [];
    if (box === null || box.style.transform === "") return undefined;
    if (layers.length === 0) {
      box.style.transform = "";
      return undefined;
    }
    let pending = layers.length;
    for (const layer of layers) {
      layer.batchDraw();
      layer.on("draw.settle", () => {
        layer.off("draw.settle");
        pending -= 1;
        if (pending === 0) box.style.transform = "";
      });
    }
    return () => layers.forEach((layer) => layer.off("draw.settle"));
  }, [viewport]);

  useLayoutEffect(() => () => clearTimeout(settleTimer.current), []);

  const onTap =
    onDeskTap === undefined
      ? undefined
      : (point: Point) => {
          const deskId = deskAt(stage.current, point);
          if (deskId !== null) onDeskTap(deskId);
        };
  useViewportGestures(container, { plan, screen, update, settle, onTap });

  const attachDeskLayer = useCallback((layer: Konva.Layer | null) => painter.attach(layer), [painter]);

  const setStage = useCallback(
    (node: Konva.Stage | null) => {
      stage.current = node;
      if (typeof stageRef === "function") stageRef(node);
      else if (stageRef) stageRef.current = node;
    },
    [stageRef],
  );

  const zoomButton = (factor: number) => () => {
    update((current) => zoomAt(current, factor, { x: width / 2, y: height / 2 }, plan, screen));
    settle();
  };
  const fitButton = () => {
    update(() => fitViewport(plan, screen));
    settle();
  };

  return (
    <div
      ref={container}
      className="floor-plan-view"
      style={{ width, height }}
      role="img"
      aria-label={labels.plan}
      data-stale={stale}
      data-view-scale={viewport.scale}
      data-view-x={viewport.x}
      data-view-y={viewport.y}
    >
      <div ref={canvasBox} className="floor-plan-view__canvas">
        <Stage
          ref={setStage}
          width={width}
          height={height}
          scaleX={viewport.scale}
          scaleY={viewport.scale}
          x={viewport.x}
          y={viewport.y}
        >
          <Layer listening={false}>
            <StaticPlan plan={plan} />
          </Layer>
          <Layer listening={false}>
            {plan.rooms.map((room) => (
              <RoomShape key={room.id} room={room} state={rooms.get(room.id)} roomText={roomText} />
            ))}
          </Layer>
          <Layer ref={attachDeskLayer} listening={onDeskTap !== undefined}>
            <DeskShapes desks={plan.desks} source={painter} />
          </Layer>
        </Stage>
      </div>
      {stale && <div className="floor-plan-view__stale" data-testid="stale-overlay" />}
      <div className="floor-plan-view__zoom">
        <button type="button" aria-label={labels.zoomIn} title={labels.zoomIn} onClick={zoomButton(BUTTON_ZOOM)}>
          +
        </button>
        <button type="button" aria-label={labels.zoomOut} title={labels.zoomOut} onClick={zoomButton(1 / BUTTON_ZOOM)}>
          −
        </button>
        <button type="button" aria-label={labels.fit} title={labels.fit} onClick={fitButton}>
          <svg width="26" height="26" viewBox="0 0 26 26" aria-hidden="true" focusable="false">
            <path d="M3 9V3h6M17 3h6v6M23 17v6h-6M9 23H3v-6" fill="none" stroke="currentColor" strokeWidth="2.5" />
          </svg>
        </button>
      </div>
    </div>
  );
}
