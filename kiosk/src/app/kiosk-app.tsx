import { DESK_STATUSES, type DeskStatus, type Room, type RoomState } from "@desksharing/protocol";
import { useCallback, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { useTranslation } from "react-i18next";

import { FloorPlanView } from "../canvas/floor-plan-view.js";
import { ConnectionBanner } from "../components/connection-banner.js";
import { DeskList } from "../components/desk-list.js";
import { FloorSwitcher } from "../components/floor-switcher.js";
import { Header } from "../components/header.js";
import { Legend } from "../components/legend.js";
import { RefusedScreen } from "../components/refused-screen.js";
import { RoomList } from "../components/room-list.js";
import { hasPlan, isStale, siteTimeAt } from "../model/kiosk-state.js";
import type { KioskStore } from "../model/kiosk-store.js";
import { chooseFloor, countStatuses, sortFloors } from "../model/layout.js";

import { useElementSize } from "./use-element-size.js";

export function KioskApp({ store, initialFloor }: { store: KioskStore; initialFloor: string | null }) {
  const { t } = useTranslation();
  const state = useSyncExternalStore(store.subscribe, store.getState);
  const [floorId, setFloorId] = useState(initialFloor);
  const mapArea = useRef<HTMLDivElement | null>(null);
  const size = useElementSize(mapArea);

  const siteNow = useCallback(() => siteTimeAt(store.getState(), Date.now()), [store]);
  const floors = useMemo(() => sortFloors(state.plans), [state.plans]);
  const plan = chooseFloor(floors, floorId, null);
  const stale = isStale(state);
  const statusText = useMemo(
    () => Object.fromEntries(DESK_STATUSES.map((s) => [s, t(`status.${s}`)])) as Record<DeskStatus, string>,
    [t],
  );
  const roomText = useCallback(
    (room: Room, roomState: RoomState | undefined) =>
      roomState?.status === "free" || roomState?.status === "occupied"
        ? t("room.people", { count: roomState.count, capacity: room.capacity })
        : t(`roomStatus.${roomState?.status ?? "unknown"}`),
    [t],
  );
  const counts = useMemo(() => (plan === null ? null : countStatuses(plan, state.desks)), [plan, state.desks]);
  const labels = useMemo(
    () => ({
      plan: t("plan.label", { floor: plan?.name ?? "" }),
      zoomIn: t("zoom.in"),
      zoomOut: t("zoom.out"),
      fit: t("zoom.fit"),
    }),
    [t, plan?.name],
  );

  if (state.phase === "unauthorised" || state.phase === "incompatible") return <RefusedScreen reason={state.phase} />;

  return (
    <div className="kiosk" data-phase={state.phase} data-testid="kiosk">
      <Header siteName={state.siteName} floorName={plan?.name ?? null} siteNow={siteNow} />
      <ConnectionBanner
        phase={state.phase}
        stateTime={state.confirmedAt === null ? null : siteTimeAt(state, state.confirmedAt)}
      />
      <div className="kiosk__body">
        <div className="kiosk__map" ref={mapArea}>
          {plan !== null && size.width > 0 && size.height > 0 && (
            <FloorPlanView
              plan={plan}
              desks={state.desks}
              rooms={state.rooms}
              width={size.width}
              height={size.height}
              stale={stale}
              statusText={statusText}
              roomText={roomText}
              labels={labels}
            />
          )}
          {plan === null && hasPlan(state) && <p className="kiosk__empty">{t("app.noPlan")}</p>}
        </div>
        {plan !== null && counts !== null && (
          <aside className="kiosk__side">
            <FloorSwitcher floors={floors} current={plan.floorId} onChange={setFloorId} />
            <Legend counts={counts} stale={stale} />
          </aside>
        )}
      </div>
      {plan !== null && <DeskList plan={plan} desks={state.desks} stale={stale} />}
      {plan !== null && <RoomList plan={plan} rooms={state.rooms} roomText={roomText} stale={stale} />}
    </div>
  );
}
