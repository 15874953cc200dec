import { DESK_STATUSES, ROOM_STATUSES } from "@desksharing/protocol";
import { describe, expect, it } from "vitest";

import { DESK_STATUS_VISUALS, ROOM_STATUS_VISUALS } from "../model/desk-visual.js";
import { LANGUAGES } from "../model/launch-options.js";

import de from "./de.json";
import en from "./en.json";
import { createI18n } from "./i18n.js";

type Tree = { [key: string]: string | Tree };

function leaves(tree: Tree, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    if (typeof value === "string") out.set(path, value);
    else for (const [k, v] of leaves(value, path)) out.set(k, v);
  }
  return out;
}

const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe("translations", () => {
  const catalogues = { en: leaves(en), de: leaves(de) };

  it("have the same keys in both languages", () => {
    expect([...catalogues.de.keys()].sort()).toEqual([...catalogues.en.keys()].sort());
  });

  it("use the same placeholders in both languages and no empty texts", () => {
    for (const [key, english] of catalogues.en) {
      const german = catalogues.de.get(key) ?? "";
      expect(german.trim(), key).not.toBe("");
      expect(placeholders(german), key).toEqual(placeholders(english));
    }
  });

  it("name every desk and room status the visuals refer to", () => {
    for (const language of LANGUAGES) {
      const t = createI18n(language).t;
      for (const status of DESK_STATUSES) {
        const key = DESK_STATUS_VISUALS[status].textKey;
        expect(t(key), `${language} ${key}`).not.toBe(key);
      }
      for (const status of ROOM_STATUSES) {
        const key = ROOM_STATUS_VISUALS[status].textKey;
        expect(t(key), `${language} ${key}`).not.toBe(key);
      }
    }
  });

  it("say 'occupied' and 'belegt' and word the connection banner as agreed", () => {
    expect(createI18n("en").t("status.occupied")).toBe("occupied");
    expect(createI18n("de").t("status.occupied")).toBe("belegt");
    expect(createI18n("de").t("banner.connectionLost", { time: "09:41" })).toBe(
      "Verbindung unterbrochen – Stand von 09:41",
    );
    expect(createI18n("en").t("banner.connectionLost", { time: "09:41" })).toBe(
      "Connection lost – showing the state of 09:41",
    );
  });

  it("pluralise the people count of a room", () => {
    const t = createI18n("de").t;
    expect(t("room.people", { count: 1, capacity: 6 })).toBe("1 Person (von 6)");
    expect(t("room.people", { count: 4, capacity: 6 })).toBe("4 Personen (von 6)");
    expect(createI18n("en").t("room.people", { count: 0, capacity: 6 })).toBe("0 people (of 6)");
  });
});
