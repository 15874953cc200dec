import type { FloorPlan, Room, RoomState } from "@desksharing/protocol";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";

import { roomsByLabel } from "../model/layout.js";
import { HiddenTable, useStaleSuffix } from "./hidden-table.js";

/** The floor's meeting rooms and how many people are in them, the words the canvas shows (a HiddenTable). */
export function RoomList({
  plan,
  rooms,
  roomText,
  stale,
}: {
  plan: FloorPlan;
  rooms: ReadonlyMap<string, RoomState>;
  roomText: (room: Room, state: RoomState | undefined) => string;
  stale: boolean;
}) {
  const { t } = useTranslation();
  const ordered = useMemo(() => roomsByLabel(plan), [plan]);
  const staleSuffix = useStaleSuffix(stale);
  if (ordered.length === 0) return null;
  return (
    <HiddenTable
      testId="room-list"
      floorId={plan.floorId}
      stale={stale}
      caption={t("roomList.caption", { floor: plan.name }) + staleSuffix}
      columns={[t("roomList.room"), t("roomList.occupancy")]}
    >
      {ordered.map((room) => {
        const state = rooms.get(room.id);
        return (
          <tr key={room.id} data-room-id={room.id} data-status={state?.status ?? "unknown"}>
            <th scope="row">{room.label}</th>
            <td>{roomText(room, state) + staleSuffix}</td>
          </tr>
        );
      })}
    </HiddenTable>
  );
}
