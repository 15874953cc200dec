import { DESK_STATUSES, type Desk, type DeskState, type DeskStatus, type FloorPlan } from "@desksharing/protocol";
import { memo, useMemo } from "react";
import { useTranslation } from "react-i18next";

import { desksByLabel } from "../model/layout.js";
import { HiddenTable, useStaleSuffix } from "./hidden-table.js";

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

/** The floor's desks and their status in words (a HiddenTable). */
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
  const staleSuffix = useStaleSuffix(stale);
  const texts = useMemo(
    () =>
      Object.fromEntries(DESK_STATUSES.map((s) => [s, t(`status.${s}`) + staleSuffix])) as Record<DeskStatus, string>,
    [t, staleSuffix],
  );
  return (
    <HiddenTable
      testId="desk-list"
      floorId={plan.floorId}
      stale={stale}
      caption={t("deskList.caption", { floor: plan.name }) + staleSuffix}
      columns={[t("deskList.desk"), t("deskList.status")]}
    >
      {chunks.map((chunk) => (
        <DeskChunk key={chunk[0]?.id} desks={chunk} states={chunk.map((desk) => desks.get(desk.id))} texts={texts} />
      ))}
    </HiddenTable>
  );
}
