/** The shell's one IPC channel: the preload asks main for what the renderer needs to start. */
export const IPC_CHANNELS = {
  bootstrap: "kiosk:bootstrap",
} as const;
export type IpcChannel = (typeof IPC_CHANNELS)[keyof typeof IPC_CHANNELS];

/**
 * What the preload exposes as `window.kioskBridge`. The renderer (kiosk/src/main.tsx) declares the same shape;
 * it cannot import from here because the two are separate TypeScript projects (DOM vs Node).
 */
export interface KioskBridge {
  token: string;
}

/** Main answers the bootstrap request only for a frame of the kiosk's own origin. */
export function bootstrapFor(senderUrl: string | undefined, kioskOrigin: string, token: string): KioskBridge | null {
  if (senderUrl === undefined) return null;
  try {
    return new URL(senderUrl).origin === kioskOrigin ? { token } : null;
  } catch {
    return null;
  }
}

/** Navigation stays on the kiosk's origin. */
export function isAllowedNavigation(url: string, kioskOrigin: string): boolean {
  try {
    return new URL(url).origin === kioskOrigin;
  } catch {
    return false;
  }
}
