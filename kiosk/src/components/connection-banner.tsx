import { useTranslation } from "react-i18next";

import type { ConnectionPhase } from "../model/kiosk-state.js";
import { formatHhMm } from "../model/layout.js";

/**
 * Says plainly when the plan is not live. Nothing is shown while the state is current. `stateTime` is the site time
 * at which the shown state was last known to be current.
 */
export function ConnectionBanner({ phase, stateTime }: { phase: ConnectionPhase; stateTime: number | null }) {
  const { t, i18n } = useTranslation();
  if (phase === "live" || phase === "unauthorised" || phase === "incompatible") return null;
  if (phase === "lost" && stateTime !== null) {
    return (
      <div className="banner banner--lost" role="alert" data-testid="connection-banner" data-phase={phase}>
        <strong>{t("banner.connectionLost", { time: formatHhMm(stateTime, i18n.language) })}</strong>
        <span>{t("banner.reconnecting")}</span>
      </div>
    );
  }
  const text = phase === "resyncing" ? t("banner.resyncing") : t("banner.connecting");
  return (
    <div className="banner banner--info" role="status" data-testid="connection-banner" data-phase={phase}>
      {text}
    </div>
  );
}
