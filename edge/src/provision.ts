import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

import type { FloorPlan } from "@desksharing/protocol";
import { deviceProfileOf, FleetCredentials, SiteId, sensorsOfPlan } from "@desksharing/protocol";
import { z } from "zod";

import { OBSERVER_USERNAME } from "./adapters/embedded-broker.js";
import { hashSecret, newSecret, secretMatches } from "./adapters/credentials.js";
import type { CredentialKind } from "./adapters/sqlite-store.js";
import { SqliteStore } from "./adapters/sqlite-store.js";

export const KIOSK_ID = "kiosk-1";

export const KioskCredentials = z.strictObject({
  siteId: SiteId,
  kioskId: z.string().min(1),
  token: z.string().min(16),
});
export type KioskCredentials = z.infer<typeof KioskCredentials>;

export const ObserverCredentials = z.strictObject({ username: z.string().min(1), password: z.string().min(16) });
export type ObserverCredentials = z.infer<typeof ObserverCredentials>;

export interface ProvisionResult {
  fleet: FleetCredentials;
  kioskToken: string;
  fleetPath: string;
}

export function edgeDatabasePath(dataDir: string): string {
  return path.join(dataDir, "edge.db");
}

export function credentialPaths(dataDir: string): { fleet: string; kiosk: string; observer: string } {
  return {
    fleet: path.join(dataDir, "fleet-credentials.json"),
    kiosk: path.join(dataDir, "kiosk-credentials.json"),
    observer: path.join(dataDir, "observer-credentials.json"),
  };
}

function readJson<T>(file: string, schema: z.ZodType<T>): T | null {
  try {
    const result = schema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}

function writeSecretFile(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/**
 * Gives every sensor of the site's plans its own random password, and the site one kiosk token and one
 * read-only observer login. Idempotent: secrets that still match their stored hash are kept, new devices are
 * added. The edge database keeps only SHA-256 hashes; the secrets go to files with mode 0600 in `dataDir`
 * (`fleet-credentials.json` for the mock fleet, `kiosk-credentials.json`, `observer-credentials.json`).
 */
export function provisionSite(options: {
  dataDir: string;
  siteId: string;
  plans: FloorPlan[];
}): Promise<ProvisionResult> {
  const { dataDir, siteId, plans } = options;
  mkdirSync(dataDir, { recursive: true });
  const paths = credentialPaths(dataDir);
  const store = new SqliteStore(edgeDatabasePath(dataDir));
  try {
    const known = (kind: CredentialKind, id: string, secret: string | undefined): string | undefined => {
      const hash = store.credentialHash(kind, id);
      return secret !== undefined && hash !== null && secretMatches(secret, hash) ? secret : undefined;
    };
    const previousFleet = readJson(paths.fleet, FleetCredentials);
    const previousPasswords = new Map(
      previousFleet?.siteId === siteId ? previousFleet.devices.map((d) => [d.deviceId, d.password]) : [],
    );
    const updates: { kind: CredentialKind; id: string; siteId: string; hash: Buffer }[] = [];
    const keep = (kind: CredentialKind, id: string, previous: string | undefined): string => {
      const kept = known(kind, id, previous);
      if (kept !== undefined) return kept;
      const secret = newSecret();
      updates.push({ kind, id, siteId, hash: hashSecret(secret) });
      return secret;
    };
    const devices = plans.flatMap(sensorsOfPlan).map((sensor) => ({
      deviceId: sensor.deviceId,
      password: keep("device", sensor.deviceId, previousPasswords.get(sensor.deviceId)),
      profile: deviceProfileOf(sensor.deviceId, sensor.kind),
      targetId: sensor.targetId,
      floorId: sensor.floorId,
    }));
    const fleet = FleetCredentials.parse({ siteId, devices });
    const previousKiosk = readJson(paths.kiosk, KioskCredentials);
    const kioskToken = keep("kiosk", KIOSK_ID, previousKiosk?.siteId === siteId ? previousKiosk.token : undefined);
    const observerPassword = keep(
      "observer",
      OBSERVER_USERNAME,
      readJson(paths.observer, ObserverCredentials)?.password,
    );
    store.putCredentials(updates, Date.now());
    writeSecretFile(paths.fleet, fleet);
    writeSecretFile(paths.kiosk, { siteId, kioskId: KIOSK_ID, token: kioskToken } satisfies KioskCredentials);
    writeSecretFile(paths.observer, {
      username: OBSERVER_USERNAME,
      password: observerPassword,
    } satisfies ObserverCredentials);
    return Promise.resolve({ fleet, kioskToken, fleetPath: paths.fleet });
  } finally {
    store.close();
  }
}
