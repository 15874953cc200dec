import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { I18nextProvider } from "react-i18next";

import { KioskApp } from "./app/kiosk-app.js";
import { connectKiosk } from "./app/kiosk-connection.js";
import { createI18n } from "./i18n/i18n.js";
import { KioskStore } from "./model/kiosk-store.js";
import { chooseLanguage, chooseToken, hashWithoutToken } from "./model/launch-options.js";
import "./styles.css";

/** Set by the Electron preload script; absent in a plain browser. */
declare global {
  interface Window {
    kioskBridge?: { token?: string };
  }
}

const TOKEN_KEY = "desksharing.kiosk.token";
const LANGUAGE_KEY = "desksharing.kiosk.language";

function readStorage(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeStorage(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // A kiosk without storage still works until the next reload.
  }
}

const query = new URLSearchParams(location.search);
const language = chooseLanguage({
  query: query.get("lang"),
  stored: readStorage(LANGUAGE_KEY),
  browser: navigator.languages,
});
if (query.get("lang") === language) writeStorage(LANGUAGE_KEY, language);
document.documentElement.lang = language;

const credential = chooseToken({
  hash: location.hash,
  stored: readStorage(TOKEN_KEY),
  bridge: window.kioskBridge?.token,
});
if (credential.fromHash && credential.token !== null) {
  writeStorage(TOKEN_KEY, credential.token);
  history.replaceState(history.state, "", `${location.pathname}${location.search}${hashWithoutToken(location.hash)}`);
}

const i18n = createI18n(language);
document.title = i18n.t("app.title");
const store = new KioskStore();
connectKiosk(store, credential.token);

const root = document.getElementById("root");
if (root === null) throw new Error("index.html has no #root element");
createRoot(root).render(
  <StrictMode>
    <I18nextProvider i18n={i18n}>
      <KioskApp store={store} initialFloor={query.get("floor")} />
    </I18nextProvider>
  </StrictMode>,
);
