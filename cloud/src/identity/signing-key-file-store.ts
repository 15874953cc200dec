import { randomBytes } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { type SigningKeyStore, type StoredSigningKey, StoredSigningKeySchema } from "./signing-keys.js";

const FileSchema = z.object({ version: z.literal(1), keys: z.array(StoredSigningKeySchema) });

export const SIGNING_KEY_FILE = "signing-keys.json";

/**
 * Keeps the signing keys in `DATA_DIR/signing-keys.json` (mode 0600, replaced atomically). Private keys in it are
 * sealed under the master key. Suits a single instance; several instances share the keys through the database.
 */
export class FileSigningKeyStore implements SigningKeyStore {
  readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, SIGNING_KEY_FILE);
  }

  async load(): Promise<StoredSigningKey[]> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const parsed = FileSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`${this.path} is not a valid signing key file: ${parsed.error.message}`);
    return parsed.data.keys;
  }

  async save(keys: StoredSigningKey[]): Promise<void> {
    const temporary = `${this.path}.${randomBytes(6).toString("hex")}.tmp`;
    await writeFile(temporary, `${JSON.stringify({ version: 1, keys }, null, 2)}\n`, { mode: 0o600, flag: "wx" });
    await rename(temporary, this.path);
  }
}
