import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { formatHhMm } from "../model/layout.js";

function Clock({ siteNow }: { siteNow: () => number }) {
  const { t, i18n } = useTranslation();
  // The time is read on every render (a new snapshot re-renders too); the tick only asks for one each second.
  const [, setTick] = useState(0);
  useEffect(() => {
    // Tick on the next full second so the minute turns over on time.
    let timer: ReturnType<typeof setTimeout>;
    const tick = () => {
      setTick((n) => n + 1);
      timer = setTimeout(tick, 1000 - (Date.now() % 1000));
    };
    timer = setTimeout(tick, 1000 - (Date.now() % 1000));
    return () => clearTimeout(timer);
  }, []);
  const now = siteNow();
  return (
    <time className="header__clock" dateTime={new Date(now).toISOString()} aria-label={t("header.clock")}>
      {formatHhMm(now, i18n.language)}
    </time>
  );
}

export interface HeaderProps {
  siteName: string | null;
  floorName: string | null;
  /** The site's current time (ms), which the clock shows. */
  siteNow: () => number;
}

export function Header({ siteName, floorName, siteNow }: HeaderProps) {
  const { t } = useTranslation();
  return (
    <header className="header">
      <div>
        <h1 className="header__site" data-testid="site-name">
          {siteName ?? t("app.title")}
        </h1>
        {floorName !== null && <p className="header__floor">{floorName}</p>}
      </div>
      <Clock siteNow={siteNow} />
    </header>
  );
}
