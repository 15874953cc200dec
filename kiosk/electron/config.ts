import { readFileSync } from "node:fs";

import { z } from "zod";

/** Settings of the Electron shell; only main reads them, the renderer gets the token through the preload. */
export interface ShellConfig {
  /** Origin of the site's edge, e.g. `https://edge.local:8443`. */
  origin: string;
  token: string;
  /** Electron fingerprint (`sha256/<base64>`) of the edge's self-signed certificate, trusted for that origin only. */
  certificateFingerprint: string | undefined;
}

const Env = z.object({
  DESK_KIOSK_EDGE_URL: z.url({ protocol: /^https$/, error: "must be an https:// URL" }),
  DESK_KIOSK_TOKEN: z.string().min(16).optional(),
  DESK_KIOSK_TOKEN_FILE: z.string().min(1).optional(),
  DESK_KIOSK_CERT_FINGERPRINT: z
    .string()
    .regex(/^sha256\/[A-Za-z0-9+/]{43}=$/, "must look like sha256/<base64 digest>")
    .optional(),
});

export type ShellConfigResult = { ok: true; config: ShellConfig } | { ok: false; problems: string[] };

/**
 * From `DESK_KIOSK_*` variables: the edge URL, the kiosk token (inline or from a file, e.g. the edge's
 * `kiosk-credentials.json` or a plain text file) and an optional certificate pin. Every problem is reported at once.
 */
export function loadShellConfig(
  env: NodeJS.ProcessEnv,
  readFile: (path: string) => string = (path) => readFileSync(path, "utf8"),
): ShellConfigResult {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`) };
  }
  const { DESK_KIOSK_EDGE_URL, DESK_KIOSK_TOKEN, DESK_KIOSK_TOKEN_FILE, DESK_KIOSK_CERT_FINGERPRINT } = parsed.data;
  let token = DESK_KIOSK_TOKEN;
  const problems: string[] = [];
  if (token === undefined && DESK_KIOSK_TOKEN_FILE !== undefined) {
    try {
      token = tokenFromFile(readFile(DESK_KIOSK_TOKEN_FILE));
    } catch (error) {
      problems.push(`DESK_KIOSK_TOKEN_FILE: cannot read it (${error instanceof Error ? error.message : "unknown"})`);
    }
  }
  if (token === undefined && problems.length === 0) {
    problems.push("DESK_KIOSK_TOKEN or DESK_KIOSK_TOKEN_FILE: one of them must give the kiosk token");
  }
  if (token === undefined || problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: {
      origin: new URL(DESK_KIOSK_EDGE_URL).origin,
      token,
      certificateFingerprint: DESK_KIOSK_CERT_FINGERPRINT,
    },
  };
}

const TokenFile = z.object({ token: z.string().min(16) });

function tokenFromFile(text: string): string {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{")) {
    if (trimmed.length < 16) throw new Error("the token is shorter than 16 characters");
    return trimmed;
  }
  const parsed = TokenFile.safeParse(JSON.parse(trimmed));
  if (!parsed.success) throw new Error("the JSON has no token of at least 16 characters");
  return parsed.data.token;
}
