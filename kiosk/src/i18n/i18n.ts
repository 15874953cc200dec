import { createInstance, type i18n } from "i18next";
import { initReactI18next } from "react-i18next";

import type { Language } from "../model/launch-options.js";

import de from "./de.json";
import en from "./en.json";

export const RESOURCES = { en: { translation: en }, de: { translation: de } } as const;

/** A separate instance per app, so that the web console can embed the kiosk views with its own settings. */
export function createI18n(language: Language): i18n {
  const instance = createInstance();
  void instance.use(initReactI18next).init({
    lng: language,
    fallbackLng: "en",
    resources: RESOURCES,
    initAsync: false,
    // React escapes on render.
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  return instance;
}
