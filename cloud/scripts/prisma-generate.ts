/**
 * Renders prisma/schema.prisma once per provider and generates a Prisma client for each into src/db/generated/.
 * The generated clients run on driver adapters and need no engine binary; `prisma generate` itself only wants a
 * path in PRISMA_SCHEMA_ENGINE_BINARY (DESIGN §7), so a placeholder file is passed. Skips the work when the
 * schema has not changed since the last run.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

import { PROVIDERS, renderSchema } from "../src/db/providers.js";

const cloudDir = path.resolve(import.meta.dirname, "..");
const source = readFileSync(path.join(cloudDir, "prisma", "schema.prisma"), "utf8");
const hash = createHash("sha256").update(source).digest("hex");
const prismaCli = createRequire(import.meta.url).resolve("prisma/build/index.js");

for (const provider of PROVIDERS) {
  const outDir = path.join(cloudDir, "src", "db", "generated", provider);
  const stamp = path.join(outDir, ".schema-hash");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === hash) continue;
  const workDir = path.join(cloudDir, "prisma", ".generated", provider);
  mkdirSync(workDir, { recursive: true });
  const schemaPath = path.join(workDir, "schema.prisma");
  writeFileSync(schemaPath, renderSchema(source, provider, path.relative(workDir, outDir)));
  const placeholder = path.join(workDir, "no-schema-engine");
  writeFileSync(placeholder, "");
  execFileSync(process.execPath, [prismaCli, "generate", "--schema", schemaPath], {
    cwd: cloudDir,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: placeholder, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
  });
  writeFileSync(stamp, hash);
  console.log(`generated the ${provider} client`);
}
