import type { DeskState, DeskStatus, FloorPlan, Room, RoomState } from "@desksharing/protocol";
import type Konva from "konva";
import { useCallback, useRef, useState, type Ref } from "react";
import { Layer, Stage } from "react-konva";

import { fitViewport, zoomAt, type Point, type Viewport } from "../model/viewport.js";

import { DeskShape, RoomShape, StaticPlan } from "./plan-shapes.js";
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

/**
 * The live floor plan: zones, walls, rooms with their people count, desks with label, status glyph and colour.
 * Pan by dragging, zoom by pinching, the wheel or the buttons. Reused by the web console's floor views.
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
  const stage = useRef<Konva.Stage | null>(null);
  const screen = { width, height };
  // The fitted view is derived while the plan and size stay the same, so a resize or a new floor refits at once.
  const fitKey = `${plan.siteId}/${plan.floorId}:${plan.width}x${plan.height}@${width}x${height}`;
  const [view, setView] = useState<{ key: string; viewport: Viewport }>(() => ({
    key: fitKey,
    viewport: fitViewport(plan, screen),
  }));
  const viewport = view.key === fitKey ? view.viewport : fitViewport(plan, screen);

  const update = useCallback(
    (change: (viewport: Viewport) => Viewport) =>
      setView((current) => ({
        key: fitKey,
        viewport: change(current.key === fitKey ? current.viewport : fitViewport(plan, { width, height })),
      })),
    [fitKey, plan, width, height],
  );

  const onTap =
    onDeskTap === undefined
      ? undefined
      : (point: Point) => {
          const deskId = deskAt(stage.current, point);
          if (deskId !== null) onDeskTap(deskId);
        };
  useViewportGestures(container, { plan, screen, update, onTap });

  const setStage = useCallback(
    (node: Konva.Stage | null) => {
      stage.current = node;
      if (typeof stageRef === "function") stageRef(node);
      else if (stageRef) stageRef.current = node;
    },
    [stageRef],
  );

  const zoomButton = (factor: number) => () =>
    update((current) => zoomAt(current, factor, { x: width / 2, y: height / 2 }, plan, screen));

  return (
    <div
      ref={container}
      className="floor-plan-view"
      style={{ width, height }}
      role="img"
      aria-label={labels.plan}
      data-stale={stale}
    >
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
          {plan.rooms.map((room) => {
            const state = rooms.get(room.id);
            return <RoomShape key={room.id} room={room} state={state} text={roomText(room, state)} />;
          })}
        </Layer>
        <Layer listening={onDeskTap !== undefined}>
          {plan.desks.map((desk) => {
            const status = desks.get(desk.id)?.status;
            return (
              <DeskShape key={desk.id} desk={desk} status={status} statusText={statusText[status ?? "unknown"]} />
            );
          })}
        </Layer>
      </Stage>
      {stale && <div className="floor-plan-view__stale" data-testid="stale-overlay" />}
      <div className="floor-plan-view__zoom">
        <button type="button" aria-label={labels.zoomIn} title={labels.zoomIn} onClick={zoomButton(BUTTON_ZOOM)}>
          +
        </button>
        <button type="button" aria-label={labels.zoomOut} title={labels.zoomOut} onClick={zoomButton(1 / BUTTON_ZOOM)}>
          −
        </button>
        <button
          type="button"
          aria-label={labels.fit}
          title={labels.fit}
          onClick={() => setView({ key: fitKey, viewport: fitViewport(plan, screen) })}
        >
          ⤢
        </button>
      </div>
    </div>
  );
}
