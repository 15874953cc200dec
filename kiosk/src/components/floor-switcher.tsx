import type { FloorPlan } from "@desksharing/protocol";
import { useTranslation } from "react-i18next";

export function FloorSwitcher({
  floors,
  current,
  onChange,
}: {
  floors: readonly FloorPlan[];
  current: string;
  onChange: (floorId: string) => void;
}) {
  const { t } = useTranslation();
  if (floors.length < 2) return null;
  return (
    <nav className="floor-switcher" aria-label={t("floors.label")}>
      <h2>{t("floors.label")}</h2>
      <ul>
        {floors.map((floor) => (
          <li key={floor.floorId}>
            <button
              type="button"
              aria-current={floor.floorId === current ? "true" : undefined}
              onClick={() => onChange(floor.floorId)}
            >
              {floor.name}
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
