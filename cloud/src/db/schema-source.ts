import { readFile } from "node:fs/promises";
import path from "node:path";

import { renderSchema, type Provider } from "./providers.js";

export const SCHEMA_PATH = path.resolve(import.meta.dirname, "..", "..", "prisma", "schema.prisma");

export async function loadSchema(provider: Provider): Promise<string> {
  return renderSchema(await readFile(SCHEMA_PATH, "utf8"), provider);
}
