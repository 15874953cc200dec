import { describe, expect, it } from "vitest";

import { chooseLanguage, chooseToken, hashWithoutToken } from "./launch-options.js";

describe("language choice", () => {
  it("prefers the query, then the stored setting, then the browser, then English", () => {
    expect(chooseLanguage({ query: "de", stored: "en", browser: ["en-GB"] })).toBe("de");
    expect(chooseLanguage({ query: "fr", stored: "de", browser: ["en-GB"] })).toBe("de");
    expect(chooseLanguage({ query: null, stored: null, browser: ["fr-FR", "de-AT", "en"] })).toBe("de");
    expect(chooseLanguage({ query: null, stored: "xx", browser: ["fr", "it"] })).toBe("en");
  });
});

describe("kiosk credential", () => {
  it("takes the token from the fragment and says so", () => {
    expect(chooseToken({ hash: "#token=abc123&x=1", stored: "old", bridge: undefined })).toEqual({
      token: "abc123",
      fromHash: true,
    });
  });

  it("falls back to the stored token", () => {
    expect(chooseToken({ hash: "", stored: "kept", bridge: undefined })).toEqual({ token: "kept", fromHash: false });
    expect(chooseToken({ hash: "#token=", stored: null, bridge: undefined })).toEqual({ token: null, fromHash: false });
  });

  it("prefers the Electron bridge", () => {
    expect(chooseToken({ hash: "#token=abc", stored: "kept", bridge: "from-main" }).token).toBe("from-main");
  });

  it("removes only the token from the fragment", () => {
    expect(hashWithoutToken("#token=abc")).toBe("");
    expect(hashWithoutToken("#token=abc&floor=f2")).toBe("#floor=f2");
  });
});
