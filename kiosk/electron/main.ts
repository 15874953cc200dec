/**
 * Electron main process of the kiosk: one locked-down full-screen window on the edge's kiosk page. Secrets stay
 * here; the renderer gets the token through the preload bridge and never sees it in a URL.
 */
import path from "node:path";

import { app, BrowserWindow, ipcMain, session } from "electron";

import { loadShellConfig } from "./config.js";
import { IPC_CHANNELS, bootstrapFor, isAllowedNavigation } from "./ipc.js";

const result = loadShellConfig(process.env);
if (!result.ok) {
  console.error(`kiosk shell: invalid configuration\n  - ${result.problems.join("\n  - ")}`);
  process.exit(1);
}
const { origin, token, certificateFingerprint } = result.config;

ipcMain.on(IPC_CHANNELS.bootstrap, (event) => {
  event.returnValue = bootstrapFor(event.senderFrame?.url, origin, token);
});

// The edge's development certificate is self-signed: trust it only when pinned, and only for the edge's origin.
app.on("certificate-error", (event, _contents, url, _error, certificate, callback) => {
  const pinned =
    certificateFingerprint !== undefined &&
    isAllowedNavigation(url, origin) &&
    certificate.fingerprint === certificateFingerprint;
  if (pinned) event.preventDefault();
  callback(pinned);
});

app.on("web-contents-created", (_event, contents) => {
  contents.on("will-navigate", (event, url) => {
    if (!isAllowedNavigation(url, origin)) event.preventDefault();
  });
  contents.on("will-attach-webview", (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: "deny" }));
});

app.on("window-all-closed", () => app.quit());

await app.whenReady();
session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
const window = new BrowserWindow({
  kiosk: true,
  fullscreen: true,
  autoHideMenuBar: true,
  backgroundColor: "#1f2a36",
  webPreferences: {
    preload: path.join(import.meta.dirname, "preload.cjs"),
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    webviewTag: false,
    spellcheck: false,
  },
});
await window.loadURL(`${origin}/`);
