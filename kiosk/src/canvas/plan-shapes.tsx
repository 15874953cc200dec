import type { Desk, FloorPlan, Room, RoomState } from "@desksharing/protocol";
import { memo } from "react";
import { Group, Line, Rect, Shape, Text } from "react-konva";

import { roomVisual } from "../model/desk-visual.js";
import { deskLabelLayout } from "../model/layout.js";

import { DESK_FONT_FAMILY, drawDesk, hitDesk, type DeskStatusSource } from "./draw-desk.js";

/** Zones and walls never change while a plan is shown. */
export const StaticPlan = memo(function StaticPlan({ plan }: { plan: FloorPlan }) {
  return (
    <>
      <Rect width={plan.width} height={plan.height} fill="#FFFFFF" listening={false} />
      {plan.zones.map((zone) => (
        <Group key={zone.id} x={zone.x} y={zone.y} listening={false}>
          <Rect width={zone.width} height={zone.height} fill={zone.colour} opacity={0.12} perfectDrawEnabled={false} />
          <Text
            text={zone.name}
            x={12}
            y={10}
            fontSize={Math.min(60, zone.height * 0.08)}
            fontFamily={DESK_FONT_FAMILY}
            fill="#3A3A3A"
          />
        </Group>
      ))}
      {plan.walls.map((wall) => (
        <Line
          key={wall.id}
          points={[wall.x1, wall.y1, wall.x2, wall.y2]}
          stroke="#2B2B2B"
          strokeWidth={wall.thickness}
          lineCap="square"
          listening={false}
          perfectDrawEnabled={false}
        />
      ))}
    </>
  );
});

export interface RoomShapeProps {
  room: Room;
  state: RoomState | undefined;
  /** Text under the room's name; called again only when the room's state or this function changes. */
  roomText: (room: Room, state: RoomState | undefined) => string;
}

export const RoomShape = memo(function RoomShape({ room, state, roomText }: RoomShapeProps) {
  const visual = roomVisual(state?.status);
  const text = roomText(room, state);
  const fontSize = Math.min(40, room.height * 0.16, room.width / Math.max(room.label.length, 8) / 0.6);
  return (
    <Group x={room.x} y={room.y} listening={false}>
      <Rect
        width={room.width}
        height={room.height}
        fill={visual.fill}
        stroke={visual.stroke}
        strokeWidth={4}
        dash={state?.status === "offline" || state === undefined ? [12, 8] : []}
        perfectDrawEnabled={false}
      />
      <Text
        text={room.label}
        width={room.width}
        y={room.height / 2 - fontSize * 1.2}
        align="center"
        fontSize={fontSize}
        fontStyle="bold"
        fontFamily={DESK_FONT_FAMILY}
        fill="#1A1A1A"
      />
      <Text
        text={text}
        width={room.width}
        y={room.height / 2 + fontSize * 0.2}
        align="center"
        fontSize={fontSize * 0.85}
        fontFamily={DESK_FONT_FAMILY}
        fill="#1A1A1A"
      />
    </Group>
  );
});

export interface DeskShapeProps {
  desk: Desk;
  source: DeskStatusSource;
}

/** A desk's node. Its props are the desk's geometry only, so a status change re-renders no desk component. */
export const DeskShape = memo(function DeskShape({ desk, source }: DeskShapeProps) {
  const layout = deskLabelLayout(desk);
  return (
    <Shape
      x={desk.x + desk.width / 2}
      y={desk.y + desk.height / 2}
      offsetX={desk.width / 2}
      offsetY={desk.height / 2}
      width={desk.width}
      height={desk.height}
      rotation={desk.rotation}
      sceneFunc={drawDesk}
      hitFunc={hitDesk}
      perfectDrawEnabled={false}
      deskId={desk.id}
      deskLabel={desk.label}
      deskSource={source}
      labelSize={layout.fontSize}
      flip={layout.flip}
    />
  );
});

/** All desks of a plan; rendered again only for a new plan or source. */
export const DeskShapes = memo(function DeskShapes({
  desks,
  source,
}: {
  desks: readonly Desk[];
  source: DeskStatusSource;
}) {
  return desks.map((desk) => <DeskShape key={desk.id} desk={desk} source={source} />);
});
