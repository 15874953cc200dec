import type { CloudConfig } from "../config.js";
import { rotateMasterKeyFile } from "../crypto/master-key.js";
import type { Repositories } from "../db/repositories/index.js";
import { SigningKeyRing } from "../identity/signing-keys.js";
import type { Access } from "./index.js";

/**
 * Puts a new master key in front of the key file, re-wraps every data key and re-seals every signing key under it.
 * Field ciphertexts stay as they are (the data keys do not change), and the old master key stays in the file, so
 * running servers keep reading throughout and load the new key when they first meet something wrapped by it.
 */
export async function rotateMasterKey(
  config: CloudConfig,
  repos: Repositories,
  access: Access,
  now: Date,
): Promise<{ masterKeyId: string; rewrapped: number }> {
  const ring = await rotateMasterKeyFile(config.dataDir);
  access.dataKeys.setMasterKeys(ring);
  const { rewrapped } = await access.dataKeys.rewrapAll({ actor: "system:cli", purpose: "master-key-rotation" }, now);
  const signingKeys = await SigningKeyRing.open(
    { store: repos.signingKeys, masterKeys: ring, retiredKeyGraceMs: (config.auth.accessTokenSeconds + 5) * 1000 },
    now,
  );
  await signingKeys.resealPrivateKeys();
  await access.audit.record({
    at: now,
    action: "master_key_rotate",
    actor: "system:cli",
    outcome: "success",
    details: { masterKeyId: ring.current.id, rewrapped },
  });
  return { masterKeyId: ring.current.id, rewrapped };
}
