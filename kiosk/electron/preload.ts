/**
 * Preload of the kiosk window (sandboxed, context-isolated). It may not import local modules at run time, so the
 * channel name is written out and checked against the channel list by its type.
 */
import { contextBridge, ipcRenderer } from "electron";

import type { IpcChannel, KioskBridge } from "./ipc.js";

const BOOTSTRAP: IpcChannel = "kiosk:bootstrap";

const reply: unknown = ipcRenderer.sendSync(BOOTSTRAP);
const token =
  typeof reply === "object" && reply !== null && "token" in reply && typeof reply.token === "string" ? reply.token : "";

contextBridge.exposeInMainWorld("kioskBridge", { token } satisfies KioskBridge);
