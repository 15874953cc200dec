import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";

import type { FloorPlan } from "@desksharing/protocol";
import { deviceProfileOf, FleetCredentials, SiteId, sensorsOfPlan } from "@desksharing/protocol";
import { z } from "zod";

import { OBSERVER_USERNAME } from "./adapters/embedded-broker.js";
import { hashSecret, newSecret, secretMatches } from "./adapters/credentials.js";
import {
  mosquittoAclFile,
  mosquittoPasswordFile,
  mosquittoPasswordHash,
  parseMosquittoPasswordFile,
} from "./adapters/mosquitto-files.js";
import { gatewayClientId } from "./adapters/mqtt-ingest.js";
import type { CredentialKind } from "./adapters/sqlite-store.js";
import { SqliteStore } from "./adapters/sqlite-store.js";
import { PlanError } from "./plans.js";

export const KIOSK_ID = "kiosk-1";

export const KioskCredentials = z.strictObject({
  siteId: SiteId,
  kioskId: z.string().min(1),
  token: z.string().min(16),
});
export type KioskCredentials = z.infer<typeof KioskCredentials>;

export const MqttLogin = z.strictObject({ username: z.string().min(1), password: z.string().min(16) });
export type MqttLogin = z.infer<typeof MqttLogin>;
export const ObserverCredentials = MqttLogin;
export type ObserverCredentials = MqttLogin;

export interface ProvisionResult {
  fleet: FleetCredentials;
  kioskToken: string;
  fleetPath: string;
  /** The gateway's login at an external broker that uses the generated Mosquitto files. */
  gatewayLogin: MqttLogin;
}

export function edgeDatabasePath(dataDir: string): string {
  return path.join(dataDir, "edge.db");
}

export function credentialPaths(dataDir: string): {
  fleet: string;
  kiosk: string;
  observer: string;
  gatewayMqtt: string;
  mosquittoPasswords: string;
  mosquittoAcl: string;
} {
  return {
    fleet: path.join(dataDir, "fleet-credentials.json"),
    kiosk: path.join(dataDir, "kiosk-credentials.json"),
    observer: path.join(dataDir, "observer-credentials.json"),
    gatewayMqtt: path.join(dataDir, "gateway-mqtt-credentials.json"),
    mosquittoPasswords: path.join(dataDir, "mosquitto-passwords"),
    mosquittoAcl: path.join(dataDir, "mosquitto-acl"),
  };
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

function readJson<T>(file: string, schema: z.ZodType<T>): T | null {
  try {
    const result = schema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}

/** Written whole through a renamed temporary file: a crash leaves the old content or the new, never a part. */
function writeSecretFile(file: string, text: string): void {
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}

function writeSecretJson(file: string, value: unknown): void {
  writeSecretFile(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Gives every sensor of the site's plans its own random password, and the site one kiosk token, one read-only
 * observer login and the gateway's own login at an external broker. Idempotent: secrets that still match their
 * stored hash are kept, new devices are added. The edge database keeps only SHA-256 hashes; the secrets go to files
 * with mode 0600 in `dataDir` (`fleet-credentials.json` for the mock fleet, `kiosk-credentials.json`,
 * `observer-credentials.json`, `gateway-mqtt-credentials.json`), next to a Mosquitto password file and ACL file
 * that enforce the per-device rules on an external broker (`mosquitto-passwords`, `mosquitto-acl`).
 */
export function provisionSite(options: {
  dataDir: string;
  siteId: string;
  plans: FloorPlan[];
}): Promise<ProvisionResult> {
  const { dataDir, siteId, plans } = options;
  mkdirSync(dataDir, { recursive: true });
  const paths = credentialPaths(dataDir);
  const sensors = plans.flatMap(sensorsOfPlan);
  const gatewayUsername = gatewayClientId(siteId);
  // one line per user name in Mosquitto's files: a sensor named like one of the edge's logins would get its rights
  const taken = sensors.find((sensor) => [gatewayUsername, OBSERVER_USERNAME].includes(sensor.deviceId));
  if (taken !== undefined) {
    throw new PlanError(`sensor id '${taken.deviceId}' is the MQTT login of the edge itself: rename the sensor`);
  }
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
    const devices = sensors.map((sensor) => ({
      deviceId: sensor.deviceId,
      password: keep("device", sensor.deviceId, previousPasswords.get(sensor.deviceId)),
      profile: deviceProfileOf(sensor.deviceId, sensor.kind),
      targetId: sensor.targetId,
      floorId: sensor.floorId,
    }));
    const fleet = FleetCredentials.parse({ siteId, devices });
    const previousKiosk = readJson(paths.kiosk, KioskCredentials);
    const kioskToken = keep("kiosk", KIOSK_ID, previousKiosk?.siteId === siteId ? previousKiosk.token : undefined);
    const previousObserver = readJson(paths.observer, ObserverCredentials)?.password;
    const observerPassword = keep("observer", OBSERVER_USERNAME, previousObserver);
    // only an external broker checks it, against the generated password file: no hash in the database
    const previousGateway = readJson(paths.gatewayMqtt, MqttLogin);
    const gatewayLogin: MqttLogin = {
      username: gatewayUsername,
      password: previousGateway?.username === gatewayUsername ? previousGateway.password : newSecret(),
    };
    store.putCredentials(updates, Date.now());

    // A PBKDF2 for every login on every start would cost half a second at 5,000 devices, so a hash is kept while its
    // password is the one the previous JSON file held. It is that password's hash because the Mosquitto file is
    // written first (each file whole): after a crash before the JSON files, a renewed secret is renewed once more
    // (a device's or the observer's old one no longer matches its stored hash; the gateway's file is still missing).
    const previousHashes = parseMosquittoPasswordFile(readText(paths.mosquittoPasswords));
    const hashOf = (username: string, password: string, previous: string | undefined): string =>
      (password === previous ? previousHashes.get(username) : undefined) ?? mosquittoPasswordHash(password);
    writeSecretFile(
      paths.mosquittoPasswords,
      mosquittoPasswordFile(siteId, [
        { username: gatewayUsername, hash: hashOf(gatewayUsername, gatewayLogin.password, previousGateway?.password) },
        { username: OBSERVER_USERNAME, hash: hashOf(OBSERVER_USERNAME, observerPassword, previousObserver) },
        ...fleet.devices.map((d) => ({
          username: d.deviceId,
          hash: hashOf(d.deviceId, d.password, previousPasswords.get(d.deviceId)),
        })),
      ]),
    );
    writeSecretFile(
      paths.mosquittoAcl,
      mosquittoAclFile(siteId, {
        gateway: gatewayUsername,
        observer: OBSERVER_USERNAME,
        devices: fleet.devices.map((d) => d.deviceId),
      }),
    );
    writeSecretJson(paths.fleet, fleet);
    writeSecretJson(paths.kiosk, { siteId, kioskId: KIOSK_ID, token: kioskToken } satisfies KioskCredentials);
    writeSecretJson(paths.observer, {
      username: OBSERVER_USERNAME,
      password: observerPassword,
    } satisfies ObserverCredentials);
    writeSecretJson(paths.gatewayMqtt, gatewayLogin);
    return Promise.resolve({ fleet, kioskToken, fleetPath: paths.fleet, gatewayLogin });
  } finally {
    store.close();
  }
}
