import type { JWK } from "jose";

import type { SigningKeyStore, StoredSigningKey } from "../../identity/signing-keys.js";
import type { Db } from "../database.js";

/** The signing-key ring in the database, so every instance on it signs and verifies with the same keys. */
export function signingKeyStore(db: Db): SigningKeyStore {
  return {
    async load() {
      const rows = await db.signingKey.findMany({ orderBy: { createdAt: "asc" } });
      return rows.map((row): StoredSigningKey => ({
        kid: row.kid,
        status: row.status as StoredSigningKey["status"],
        publicJwk: JSON.parse(row.publicJwk) as JWK,
        sealedPrivateJwk: row.sealedPrivateJwk,
        createdAt: row.createdAt,
        retiredAt: row.retiredAt,
      }));
    },
    async save(keys) {
      await db.$transaction(async (tx) => {
        await tx.signingKey.deleteMany({});
        for (const key of keys) {
          await tx.signingKey.create({
            data: {
              kid: key.kid,
              status: key.status,
              publicJwk: JSON.stringify(key.publicJwk),
              sealedPrivateJwk: key.sealedPrivateJwk,
              createdAt: key.createdAt,
              retiredAt: key.retiredAt,
            },
          });
        }
      });
    },
  };
}
