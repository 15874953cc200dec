import { DESK_STATUSES, type Desk, type DeskState, type DeskStatus, type FloorPlan } from "@desksharing/protocol";
import { memo, useMemo } from "react";
import { useTranslation } from "react-i18next";

import { desksByLabel } from "../model/layout.js";

const DeskRow = memo(function DeskRow({ desk, status, text }: { desk: Desk; status: DeskStatus; text: string }) {
  return (
    <tr data-desk-id={desk.id} data-status={status}>
      <th scope="row">{desk.label}</th>
      <td>{text}</td>
    </tr>
  );
});

interface ChunkProps {
  desks: readonly Desk[];
  states: readonly (DeskState | undefined)[];
  texts: Readonly<Record<DeskStatus, string>>;
}

function sameChunk(a: ChunkProps, b: ChunkProps): boolean {
  return a.desks === b.desks && a.texts === b.texts && a.states.every((state, i) => state === b.states[i]);
}

/** Rows in chunks, so that a delta reconciles the chunk of the changed desk, not 5,000 rows. */
const DeskChunk = memo(function DeskChunk({ desks, states, texts }: ChunkProps) {
  return desks.map((desk, i) => {
    const status = states[i]?.status ?? "unknown";
    return <DeskRow key={desk.id} desk={desk} status={status} text={texts[status]} />;
  });
}, sameChunk);

const CHUNK_SIZE = 100;

/**
 * The floor's desks and their status in words, visually hidden: screen readers read it, and it states the same
 * as the canvas for anyone (and any test) that cannot see colours.
 */
export function DeskList({
  plan,
  desks,
  stale,
}: {
  plan: FloorPlan;
  desks: ReadonlyMap<string, DeskState>;
  stale: boolean;
}) {
  const { t } = useTranslation();
  const chunks = useMemo(() => {
    const ordered = desksByLabel(plan);
    return Array.from({ length: Math.ceil(ordered.length / CHUNK_SIZE) }, (_, i) =>
      ordered.slice(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE),
    );
  }, [plan]);
  const staleSuffix = stale ? ` (${t("deskList.stale")})` : "";
  const texts = useMemo(
    () =>
      Object.fromEntries(DESK_STATUSES.map((s) => [s, t(`status.${s}`) + staleSuffix])) as Record<DeskStatus, string>,
    [t, staleSuffix],
  );
  return (
    <div className="visually-hidden">
      <table data-testid="desk-list" data-floor-id={plan.floorId} data-stale={stale}>
        <caption>
          {t("deskList.caption", { floor: plan.name })}
          {staleSuffix}
        </caption>
        <thead>
          <tr>
            <th scope="col">{t("deskList.desk")}</th>
            <th scope="col">{t("deskList.status")}</th>
          </tr>
        </thead>
        <tbody>
          {chunks.map((chunk) => (
            <DeskChunk
              key={chunk[0]?.id}
              desks={chunk}
              states={chunk.map((desk) => desks.get(desk.id))}
              texts={texts}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}
