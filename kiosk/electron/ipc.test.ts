import { describe, expect, it } from "vitest";

import { loadShellConfig } from "./config.js";
import { bootstrapFor, isAllowedNavigation } from "./ipc.js";

const ORIGIN = "https://edge.local:8443";

describe("shell IPC guards", () => {
  it("hands the token only to frames of the kiosk's origin", () => {
    expect(bootstrapFor("https://edge.local:8443/?lang=de", ORIGIN, "t".repeat(20))).toEqual({ token: "t".repeat(20) });
    expect(bootstrapFor("https://evil.example/", ORIGIN, "secret-token-123456")).toBeNull();
    expect(bootstrapFor("http://edge.local:8443/", ORIGIN, "secret-token-123456")).toBeNull();
    expect(bootstrapFor(undefined, ORIGIN, "secret-token-123456")).toBeNull();
    expect(bootstrapFor("not a url", ORIGIN, "secret-token-123456")).toBeNull();
  });

  it("keeps navigation on the kiosk's origin", () => {
    expect(isAllowedNavigation("https://edge.local:8443/floor", ORIGIN)).toBe(true);
    expect(isAllowedNavigation("https://edge.local:9443/", ORIGIN)).toBe(false);
    expect(isAllowedNavigation("file:///etc/passwd", ORIGIN)).toBe(false);
  });
});

describe("shell configuration", () => {
  it("reads the edge URL, an inline token and a certificate pin", () => {
    const result = loadShellConfig({
      DESK_KIOSK_EDGE_URL: "https://edge.local:8443/ignored/path",
      DESK_KIOSK_TOKEN: "k".repeat(32),
      DESK_KIOSK_CERT_FINGERPRINT: `sha256/${"A".repeat(43)}=`,
    });
    expect(result).toEqual({
      ok: true,
      config: { origin: ORIGIN, token: "k".repeat(32), certificateFingerprint: `sha256/${"A".repeat(43)}=` },
    });
  });

  it("reads the token from the edge's kiosk-credentials.json or a plain file", () => {
    const files: Record<string, string> = {
      "/creds.json": JSON.stringify({ siteId: "hq", kioskId: "kiosk-1", token: "j".repeat(32) }),
      "/token.txt": `${"p".repeat(32)}\n`,
    };
    const read = (path: string) => files[path] ?? "";
    const env = { DESK_KIOSK_EDGE_URL: ORIGIN };
    expect(loadShellConfig({ ...env, DESK_KIOSK_TOKEN_FILE: "/creds.json" }, read)).toMatchObject({
      config: { token: "j".repeat(32) },
    });
    expect(loadShellConfig({ ...env, DESK_KIOSK_TOKEN_FILE: "/token.txt" }, read)).toMatchObject({
      config: { token: "p".repeat(32) },
    });
  });

  it("reports every problem at once", () => {
    const result = loadShellConfig({ DESK_KIOSK_EDGE_URL: "http://edge.local", DESK_KIOSK_CERT_FINGERPRINT: "md5" });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems.join("\n")).toContain("DESK_KIOSK_EDGE_URL");
      expect(result.problems.join("\n")).toContain("DESK_KIOSK_CERT_FINGERPRINT");
    }
    const missing = loadShellConfig({ DESK_KIOSK_EDGE_URL: ORIGIN });
    expect(missing).toEqual({
      ok: false,
      problems: ["DESK_KIOSK_TOKEN or DESK_KIOSK_TOKEN_FILE: one of them must give the kiosk token"],
    });
  });
});
