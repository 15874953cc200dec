import type { Desk, DeskState, DeskStatus, FloorPlan } from "@desksharing/protocol";
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
  const ordered = useMemo(() => desksByLabel(plan), [plan]);
  const staleSuffix = stale ? ` (${t("deskList.stale")})` : "";
  return (
    <table className="visually-hidden" data-testid="desk-list" data-floor-id={plan.floorId} data-stale={stale}>
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
        {ordered.map((desk) => {
          const status = desks.get(desk.id)?.status ?? "unknown";
          return <DeskRow key={desk.id} desk={desk} status={status} text={t(`status.${status}`) + staleSuffix} />;
        })}
      </tbody>
    </table>
  );
}
