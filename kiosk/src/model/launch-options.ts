/** Languages the kiosk ships; the first is the fallback. */
export const LANGUAGES = ["en", "de"] as const;
export type Language = (typeof LANGUAGES)[number];

export function isLanguage(value: unknown): value is Language {
  return typeof value === "string" && (LANGUAGES as readonly string[]).includes(value);
}

/**
 * `?lang=` wins, then the stored setting, then the first browser language we ship (by primary subtag, so
 * `de-AT` is German), then English.
 */
export function chooseLanguage(input: {
  query: string | null;
  stored: string | null;
  browser: readonly string[];
}): Language {
  if (isLanguage(input.query)) return input.query;
  if (isLanguage(input.stored)) return input.stored;
  for (const tag of input.browser) {
    const primary = tag.toLowerCase().split("-")[0];
    if (isLanguage(primary)) return primary;
  }
  return LANGUAGES[0];
}

export interface TokenSource {
  /** `location.hash`, e.g. `#token=abc`. */
  hash: string;
  stored: string | null;
  /** Token handed over by the Electron preload bridge, which wins when present. */
  bridge: string | undefined;
}

export interface TokenChoice {
  token: string | null;
  /** The hash carried a token: store it and clear it from the address bar. */
  fromHash: boolean;
}

/**
 * The kiosk credential travels in the URL fragment (never sent to the server, unlike a query string), is kept
 * in localStorage so that a reload keeps working, and is removed from the address bar.
 */
export function chooseToken(source: TokenSource): TokenChoice {
  if (source.bridge !== undefined && source.bridge !== "") return { token: source.bridge, fromHash: false };
  const fromHash = new URLSearchParams(source.hash.replace(/^#/, "")).get("token");
  if (fromHash !== null && fromHash !== "") return { token: fromHash, fromHash: true };
  return { token: source.stored !== null && source.stored !== "" ? source.stored : null, fromHash: false };
}

/** The hash without its `token` parameter (other parameters stay). */
export function hashWithoutToken(hash: string): string {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  params.delete("token");
  const rest = params.toString();
  return rest === "" ? "" : `#${rest}`;
}
