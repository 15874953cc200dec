import type { FloorPlan, Room, RoomState } from "@desksharing/protocol";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";

import { roomsByLabel } from "../model/layout.js";

/**
 * The floor's meeting rooms and how many people are in them, visually hidden like the desk list: the same words the
 * canvas shows under each room's name, for screen readers and anyone who cannot read the canvas.
 */
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
  if (ordered.length === 0) return null;
  const staleSuffix = stale ? ` (${t("deskList.stale")})` : "";
  return (
    <div className="visually-hidden">
      <table data-testid="room-list" data-floor-id={plan.floorId} data-stale={stale}>
        <caption>
          {t("roomList.caption", { floor: plan.name })}
          {staleSuffix}
        </caption>
        <thead>
          <tr>
            <th scope="col">{t("roomList.room")}</th>
            <th scope="col">{t("roomList.occupancy")}</th>
          </tr>
        </thead>
        <tbody>
          {ordered.map((room) => {
            const state = rooms.get(room.id);
            return (
              <tr key={room.id} data-room-id={room.id} data-status={state?.status ?? "unknown"}>
                <th scope="row">{room.label}</th>
                <td>
                  {roomText(room, state)}
                  {staleSuffix}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
