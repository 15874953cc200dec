import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

/** What a hidden table appends to its caption and cells while the shown state is not current. */
export function useStaleSuffix(stale: boolean): string {
  const { t } = useTranslation();
  return stale ? ` (${t("deskList.stale")})` : "";
}

/**
 * A table that is visually hidden: screen readers read it, and it states in words what the canvas shows, for anyone
 * (and any test) that cannot see colours. The hiding sits on a wrapper: a table ignores the 1px height and would
 * make the page scroll.
 */
export function HiddenTable({
  testId,
  floorId,
  stale,
  caption,
  columns,
  children,
}: {
  testId: string;
  floorId: string;
  stale: boolean;
  caption: string;
  columns: readonly [string, string];
  children: ReactNode;
}) {
  return (
    <div className="visually-hidden">
      <table data-testid={testId} data-floor-id={floorId} data-stale={stale}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{columns[0]}</th>
            <th scope="col">{columns[1]}</th>
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
