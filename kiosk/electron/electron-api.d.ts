/**
 * The part of Electron's API the shell uses, written out by hand: the `electron` package cannot be installed here
 * (its install step downloads a binary; DESIGN §7), and without it nothing would typecheck. Signatures follow
 * Electron's own `electron.d.ts`; replace this file with the real types where `electron` can be installed.
 */
declare module "electron" {
  interface Event {
    preventDefault(): void;
  }

  interface Certificate {
    /** e.g. `sha256/<base64>` */
    fingerprint: string;
  }

  interface WebFrameMain {
    url: string;
  }

  interface IpcMainEvent extends Event {
    senderFrame: WebFrameMain | null;
    returnValue: unknown;
  }

  interface WebContents {
    on(event: "will-navigate", listener: (event: Event, url: string) => void): this;
    on(event: "will-attach-webview", listener: (event: Event) => void): this;
    setWindowOpenHandler(handler: (details: { url: string }) => { action: "deny" } | { action: "allow" }): void;
  }

  interface WebPreferences {
    preload?: string;
    contextIsolation?: boolean;
    sandbox?: boolean;
    nodeIntegration?: boolean;
    webviewTag?: boolean;
    spellcheck?: boolean;
  }

  interface BrowserWindowConstructorOptions {
    kiosk?: boolean;
    fullscreen?: boolean;
    autoHideMenuBar?: boolean;
    backgroundColor?: string;
    webPreferences?: WebPreferences;
  }

  class BrowserWindow {
    constructor(options?: BrowserWindowConstructorOptions);
    loadURL(url: string): Promise<void>;
  }

  interface Session {
    setPermissionRequestHandler(
      handler: ((webContents: WebContents, permission: string, callback: (granted: boolean) => void) => void) | null,
    ): void;
  }

  const session: { defaultSession: Session };

  interface App {
    whenReady(): Promise<void>;
    quit(): void;
    on(event: "window-all-closed", listener: () => void): this;
    on(event: "web-contents-created", listener: (event: Event, contents: WebContents) => void): this;
    on(
      event: "certificate-error",
      listener: (
        event: Event,
        webContents: WebContents,
        url: string,
        error: string,
        certificate: Certificate,
        callback: (isTrusted: boolean) => void,
      ) => void,
    ): this;
  }

  const app: App;

  const ipcMain: {
    on(channel: string, listener: (event: IpcMainEvent, ...args: unknown[]) => void): void;
  };

  const ipcRenderer: {
    sendSync(channel: string, ...args: unknown[]): unknown;
  };

  const contextBridge: {
    exposeInMainWorld(apiKey: string, api: unknown): void;
  };
}
