import { useTranslation } from "react-i18next";

/** Shown instead of any plan when the edge refuses this kiosk. */
export function RefusedScreen({ reason }: { reason: "unauthorised" | "incompatible" }) {
  const { t } = useTranslation();
  const key = reason === "unauthorised" ? "notAuthorised" : "incompatible";
  return (
    <main className="refused" data-testid={`refused-${reason}`}>
      <div className="refused__card" role="alert">
        <h1>{t(`${key}.title`)}</h1>
        <p>{t(`${key}.body`)}</p>
      </div>
    </main>
  );
}
