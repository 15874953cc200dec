import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/** AES-256-GCM with a fresh 96-bit IV per message and a 128-bit tag; the only cipher this service uses. */
const ALGORITHM = "aes-256-gcm";
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

export interface Sealed {
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

export function seal(key: Buffer, plaintext: Buffer, aad: string): Sealed {
  if (key.length !== KEY_BYTES) throw new Error("AES-256-GCM needs a 32-byte key");
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ciphertext };
}

/** Returns null when the tag does not verify: wrong key, wrong AAD or tampered bytes look the same on purpose. */
export function open(key: Buffer, sealed: Sealed, aad: string): Buffer | null {
  if (key.length !== KEY_BYTES || sealed.iv.length !== IV_BYTES || sealed.tag.length !== TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv(ALGORITHM, key, sealed.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch {
    return null;
  }
}

const B64URL = /^[A-Za-z0-9_-]*$/;

/** `v1.<keyId>.<iv>.<tag>.<ciphertext>`, all base64url; key ids never contain a dot. */
export function formatSealed(keyId: string, sealed: Sealed): string {
  return [
    "v1",
    keyId,
    sealed.iv.toString("base64url"),
    sealed.tag.toString("base64url"),
    sealed.ciphertext.toString("base64url"),
  ].join(".");
}

export function parseSealed(text: string): { keyId: string; sealed: Sealed } | null {
  const parts = text.split(".");
  if (parts.length !== 5) return null;
  const [version, keyId, iv, tag, ciphertext] = parts as [string, string, string, string, string];
  if (version !== "v1" || keyId === "" || ![keyId, iv, tag, ciphertext].every((p) => B64URL.test(p))) return null;
  return {
    keyId,
    sealed: {
      iv: Buffer.from(iv, "base64url"),
      tag: Buffer.from(tag, "base64url"),
      ciphertext: Buffer.from(ciphertext, "base64url"),
    },
  };
}
