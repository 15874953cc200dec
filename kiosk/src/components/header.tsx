import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { formatHhMm } from "../model/layout.js";

function Clock() {
  const { t, i18n } = useTranslation();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    // Tick on the next full second so the minute turns over on time.
    let timer: ReturnType<typeof setTimeout>;
    const tick = () => {
      setNow(Date.now());
      timer = setTimeout(tick, 1000 - (Date.now() % 1000));
    };
    timer = setTimeout(tick, 1000 - (Date.now() % 1000));
    return () => clearTimeout(timer);
  }, []);
  return (
    <time className="header__clock" dateTime={new Date(now).toISOString()} aria-label={t("header.clock")}>
      {formatHhMm(now, i18n.language)}
    </time>
  );
}

export function Header({ siteName, floorName }: { siteName: string | null; floorName: string | null }) {
  const { t } = useTranslation();
  return (
    <header className="header">
      <div>
        <h1 className="header__site" data-testid="site-name">
          {siteName ?? t("app.title")}
        </h1>
        {floorName !== null && <p className="header__floor">{floorName}</p>}
      </div>
      <Clock />
    </header>
  );
}
