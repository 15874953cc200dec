import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

/**
 * The Prisma clients are generated, not committed; a fresh clone gets them here before any test imports them.
 * (`npm run prisma:generate -w cloud` does the same and skips the work when the schema has not changed.)
 */
export default function setup(): void {
  const cloudDir = path.resolve(import.meta.dirname, "..", "..");
  const tsx = createRequire(import.meta.url).resolve("tsx/cli");
  execFileSync(process.execPath, [tsx, path.join(cloudDir, "scripts", "prisma-generate.ts")], {
    cwd: cloudDir,
    stdio: "inherit",
  });
}
