import { randomBytes } from "node:crypto";
import { KEY_BYTES, formatSealed, open, parseSealed, seal } from "./aead.js";
import { type MasterKeyRing, openWithMasterKey, sealWithMasterKey } from "./master-key.js";

/** A data-encryption key (DEK): one per organisation, wrapped by the master key for storage. */
export interface DataKey {
  readonly id: string;
  readonly key: Buffer;
}

export function generateDataKey(): DataKey {
  return { id: `dk_${randomBytes(9).toString("base64url")}`, key: randomBytes(KEY_BYTES) };
}

/** The AAD of a field: a ciphertext copied to another row or column no longer decrypts. */
export function fieldAad(table: string, column: string, rowId: string): string {
  return `${table}.${column}#${rowId}`;
}

function dataKeyAad(ownerId: string, dataKeyId: string): string {
  return `data-key|${ownerId}|${dataKeyId}`;
}

/** `v1.<masterKeyId>.<iv>.<tag>.<ct>`; the AAD binds the owner and the DEK id, so a wrapped key cannot be moved. */
export function wrapDataKey(dataKey: DataKey, ownerId: string, masterKeys: MasterKeyRing): string {
  return sealWithMasterKey(masterKeys, dataKey.key, dataKeyAad(ownerId, dataKey.id));
}

export type UnwrapResult =
  | { ok: true; dataKey: DataKey; masterKeyId: string }
  | { ok: false; code: "malformed" | "unknown_master_key" | "decrypt_failed" };

export function unwrapDataKey(
  wrapped: string,
  ownerId: string,
  dataKeyId: string,
  masterKeys: MasterKeyRing,
): UnwrapResult {
  const opened = openWithMasterKey(masterKeys, wrapped, dataKeyAad(ownerId, dataKeyId));
  if (!opened.ok) return opened;
  if (opened.plaintext.length !== KEY_BYTES) return { ok: false, code: "malformed" };
  return { ok: true, dataKey: { id: dataKeyId, key: opened.plaintext }, masterKeyId: opened.masterKeyId };
}

/** `v1.<dataKeyId>.<iv>.<tag>.<ct>` */
export function encryptField(plaintext: string, dataKey: DataKey, aad: string): string {
  return formatSealed(dataKey.id, seal(dataKey.key, Buffer.from(plaintext, "utf8"), aad));
}

/** Which DEK a field was encrypted with, so the caller can fetch that key (it may be an older one). */
export function fieldDataKeyId(ciphertext: string): string | null {
  return parseSealed(ciphertext)?.keyId ?? null;
}

export type DecryptFieldResult =
  { ok: true; value: string } | { ok: false; code: "malformed" | "wrong_data_key" | "decrypt_failed" };

export function decryptField(ciphertext: string, dataKey: DataKey, aad: string): DecryptFieldResult {
  const parsed = parseSealed(ciphertext);
  if (!parsed) return { ok: false, code: "malformed" };
  if (parsed.keyId !== dataKey.id) return { ok: false, code: "wrong_data_key" };
  const plaintext = open(dataKey.key, parsed.sealed, aad);
  return plaintext ? { ok: true, value: plaintext.toString("utf8") } : { ok: false, code: "decrypt_failed" };
}
