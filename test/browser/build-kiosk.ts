import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const viteCli = join(dirname(createRequire(import.meta.url).resolve("vite/package.json")), "bin", "vite.js");

/**
 * Production build of the kiosk (or, with mode "bench", of its benchmark page) into `outDir`. Runs Vite in its own
 * process with NODE_ENV=production, as `npm run build -w kiosk` does: under vitest NODE_ENV is "test", which would
 * give React's development build.
 */
export function buildKiosk(outDir: string, mode: "production" | "bench" = "production"): Promise<void> {
  const args = [viteCli, "build", join(root, "kiosk"), "--outDir", outDir, "--emptyOutDir", "--logLevel", "warn"];
  if (mode === "bench") args.push("--mode", "bench");
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, NODE_ENV: "production" },
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`vite build of the kiosk failed (exit ${code})`)),
    );
  });
}
