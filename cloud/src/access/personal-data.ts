import { emailBlindIndex, loadBlindIndexKey } from "../crypto/blind-index.js";
import { fieldAad } from "../crypto/envelope.js";
import { KeyAccessError, type DataKeyService, type KeyAccessContext } from "../crypto/data-keys.js";
import type { MasterKeyRing } from "../crypto/master-key.js";

export interface UserPersonalData {
  name: string;
  email: string;
}

export class PersonalDataError extends Error {
  override name = "PersonalDataError";
}

/**
 * Encrypts and decrypts the personal fields of users with their organisation's data key (AAD binds table, column
 * and row), and computes the e-mail blind index. When a data key cannot be unwrapped because another process
 * rotated the master key, the key ring is reloaded once and the operation repeated: rotation needs no restart.
 */
export class PersonalData {
  private indexKey: Promise<Buffer> | undefined;

  constructor(
    private readonly keys: DataKeyService,
    private readonly reloadMasterKeys: () => Promise<MasterKeyRing>,
  ) {}

  async emailIndex(email: string, now: Date): Promise<string> {
    this.indexKey ??= this.withReload(() =>
      loadBlindIndexKey(this.keys, "email", { actor: "system:cloud", purpose: "email-blind-index" }, now),
    ).catch((error: unknown) => {
      this.indexKey = undefined;
      throw error;
    });
    return emailBlindIndex(email, await this.indexKey);
  }

  async sealUser(
    orgId: string,
    userId: string,
    data: UserPersonalData,
    context: KeyAccessContext,
    now: Date,
  ): Promise<{ nameEnc: string; emailEnc: string }> {
    return this.withReload(async () => ({
      nameEnc: await this.keys.encrypt(orgId, data.name, fieldAad("users", "name", userId), context, now),
      emailEnc: await this.keys.encrypt(orgId, data.email, fieldAad("users", "email", userId), context, now),
    }));
  }

  async openUser(
    orgId: string,
    userId: string,
    sealed: { nameEnc: string; emailEnc: string },
    context: KeyAccessContext,
    now: Date,
  ): Promise<UserPersonalData> {
    return this.withReload(async () => {
      const name = await this.keys.decrypt(orgId, sealed.nameEnc, fieldAad("users", "name", userId), context, now);
      const email = await this.keys.decrypt(orgId, sealed.emailEnc, fieldAad("users", "email", userId), context, now);
      if (!name.ok || !email.ok) throw new PersonalDataError(`personal data of user ${userId} does not decrypt`);
      return { name: name.value, email: email.value };
    });
  }

  private async withReload<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof KeyAccessError) || error.code !== "unwrap_failed") throw error;
      this.keys.setMasterKeys(await this.reloadMasterKeys());
      return operation();
    }
  }
}
