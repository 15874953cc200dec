import { createHash, randomBytes } from "node:crypto";
import { chmod, mkdir, open as openFile, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { KEY_BYTES, formatSealed, open, parseSealed, seal } from "./aead.js";

/** A key-encryption key (KEK). Its id is derived from the key, so no separate id has to be stored or kept in sync. */
export interface MasterKey {
  readonly id: string;
  readonly key: Buffer;
}

/**
 * The current KEK wraps everything new; older KEKs stay in the ring only so that data wrapped under them can be
 * unwrapped and re-wrapped during a rotation.
 */
export interface MasterKeyRing {
  readonly current: MasterKey;
  readonly all: readonly MasterKey[];
  byId(id: string): MasterKey | undefined;
}

export const MASTER_KEY_ENV = "DESK_CLOUD_MASTER_KEY";
export const MASTER_KEY_FILE = "master.key";

export function masterKeyId(key: Buffer): string {
  const digest = createHash("sha256").update("desksharing/master-key-id\0").update(key).digest();
  return `mk_${digest.subarray(0, 9).toString("base64url")}`;
}

export function createMasterKeyRing(keys: readonly Buffer[]): MasterKeyRing {
  const all = keys.map((key) => {
    if (key.length !== KEY_BYTES) throw new Error(`a master key must be ${KEY_BYTES} bytes`);
    return { id: masterKeyId(key), key: Buffer.from(key) };
  });
  const current = all[0];
  if (!current) throw new Error("a master key ring needs at least one key");
  const byId = new Map(all.map((k) => [k.id, k]));
  return { current, all, byId: (id) => byId.get(id) };
}

export function generateMasterKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/** Seals bytes under the current KEK; `aad` binds the ciphertext to what it is for, and the KEK id is bound too. */
export function sealWithMasterKey(ring: MasterKeyRing, plaintext: Buffer, aad: string): string {
  const kek = ring.current;
  return formatSealed(kek.id, seal(kek.key, plaintext, `${aad}|${kek.id}`));
}

export type OpenWithMasterKeyResult =
  | { ok: true; plaintext: Buffer; masterKeyId: string }
  | { ok: false; code: "malformed" | "unknown_master_key" | "decrypt_failed" };

export function openWithMasterKey(ring: MasterKeyRing, text: string, aad: string): OpenWithMasterKeyResult {
  const parsed = parseSealed(text);
  if (!parsed) return { ok: false, code: "malformed" };
  const kek = ring.byId(parsed.keyId);
  if (!kek) return { ok: false, code: "unknown_master_key" };
  const plaintext = open(kek.key, parsed.sealed, `${aad}|${kek.id}`);
  return plaintext ? { ok: true, plaintext, masterKeyId: kek.id } : { ok: false, code: "decrypt_failed" };
}

export type LoadMasterKeysResult =
  | { ok: true; ring: MasterKeyRing; source: "env" | "file"; created: boolean; warnings: string[] }
  | { ok: false; errors: string[] };

/**
 * Key text: base64 keys separated by commas or new lines, newest first; `#` starts a comment line.
 * Every malformed entry is reported, not just the first.
 */
export function parseMasterKeys(text: string, origin: string): { keys: Buffer[]; errors: string[] } {
  const entries = text
    .split("\n")
    .filter((line) => !line.trim().startsWith("#"))
    .flatMap((line) => line.split(","))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  const keys: Buffer[] = [];
  const errors: string[] = [];
  entries.forEach((entry, index) => {
    const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(entry) ? Buffer.from(entry, "base64") : Buffer.alloc(0);
    if (key.length === KEY_BYTES) keys.push(key);
    else errors.push(`${origin}: entry ${index + 1} is not a base64-encoded ${KEY_BYTES}-byte key`);
  });
  if (entries.length === 0) errors.push(`${origin}: contains no key`);
  return { keys, errors };
}

/**
 * The KEK comes from the environment when set (a secret manager injects it), otherwise from `DATA_DIR/master.key`,
 * which is created with mode 0600 on first start. There is no built-in default key.
 */
export async function loadMasterKeys(options: {
  dataDir: string;
  env: Readonly<Record<string, string | undefined>>;
}): Promise<LoadMasterKeysResult> {
  const fromEnv = options.env[MASTER_KEY_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== "") {
    const { keys, errors } = parseMasterKeys(fromEnv, MASTER_KEY_ENV);
    if (errors.length > 0) return { ok: false, errors };
    return { ok: true, ring: createMasterKeyRing(keys), source: "env", created: false, warnings: [] };
  }
  const path = join(options.dataDir, MASTER_KEY_FILE);
  const created = await createKeyFileIfAbsent(options.dataDir, path);
  const { keys, errors } = parseMasterKeys(await readFile(path, "utf8"), path);
  if (errors.length > 0) return { ok: false, errors };
  const warnings: string[] = [];
  const mode = (await stat(path)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    warnings.push(`${path} is readable by other users (mode ${mode.toString(8)}); run chmod 600 on it`);
  }
  return { ok: true, ring: createMasterKeyRing(keys), source: "file", created, warnings };
}

async function createKeyFileIfAbsent(dataDir: string, path: string): Promise<boolean> {
  await mkdir(dataDir, { recursive: true });
  try {
    // "wx" makes two instances starting at once agree on a single key instead of overwriting each other's.
    const handle = await openFile(path, "wx", 0o600);
    try {
      await handle.writeFile(`${keyFileHeader()}${generateMasterKey().toString("base64")}\n`);
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

function keyFileHeader(): string {
  return "# desksharing master key (KEK), newest first. Losing it makes encrypted personal data unreadable.\n";
}

/**
 * Puts a new KEK in front of the key file and keeps the older ones for unwrapping. The caller then re-wraps the
 * data keys (DataKeyService.rewrapAll) and may finally drop the old KEK with `removeMasterKeyFromFile`.
 */
export async function rotateMasterKeyFile(dataDir: string): Promise<MasterKeyRing> {
  const path = join(dataDir, MASTER_KEY_FILE);
  const { keys, errors } = parseMasterKeys(await readFile(path, "utf8"), path);
  if (errors.length > 0) throw new Error(errors.join("; "));
  const next = [generateMasterKey(), ...keys];
  await writeKeyFile(path, next);
  return createMasterKeyRing(next);
}

export async function removeMasterKeyFromFile(dataDir: string, keyId: string): Promise<MasterKeyRing> {
  const path = join(dataDir, MASTER_KEY_FILE);
  const { keys, errors } = parseMasterKeys(await readFile(path, "utf8"), path);
  if (errors.length > 0) throw new Error(errors.join("; "));
  if (keys[0] && masterKeyId(keys[0]) === keyId) throw new Error("the current master key cannot be removed");
  const remaining = keys.filter((key) => masterKeyId(key) !== keyId);
  await writeKeyFile(path, remaining);
  return createMasterKeyRing(remaining);
}

async function writeKeyFile(path: string, keys: readonly Buffer[]): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  await writeFile(temporary, keyFileHeader() + keys.map((k) => `${k.toString("base64")}\n`).join(""), {
    mode: 0o600,
    flag: "wx",
  });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}
