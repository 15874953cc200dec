import { DESK_STATUSES } from "@desksharing/protocol";
import { useTranslation } from "react-i18next";

import type { StatusCounts } from "../model/layout.js";

import { StatusIcon } from "./status-icon.js";

export function Legend({ counts, stale }: { counts: StatusCounts; stale: boolean }) {
  const { t } = useTranslation();
  return (
    <section className="legend" aria-labelledby="legend-title">
      <h2 id="legend-title">{t("legend.title")}</h2>
      <ul>
        {DESK_STATUSES.map((status) => (
          <li key={status} data-status={status}>
            <StatusIcon status={status} />
            <span className="legend__text">{t(`status.${status}`)}</span>
            <span className="legend__count">{counts[status]}</span>
          </li>
        ))}
      </ul>
      {stale && (
        <p className="legend__stale">
          <span className="legend__hatch" aria-hidden="true" />
          {t("legend.stale")}
        </p>
      )}
    </section>
  );
}
