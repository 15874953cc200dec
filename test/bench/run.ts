/**
 * Runs every benchmark script in this folder, one after the other in its own process, then prints one summary.
 * Each script writes `bench-results/<name>.json` as `{ name, results, targets, pass }`.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const outDir = join(root, "bench-results");

interface BenchResult {
  name: string;
  results: Record<string, unknown>;
  targets: Record<string, unknown>;
  pass: boolean;
}

function runScript(file: string): Promise<number> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(here, file)], { cwd: root, stdio: "inherit" });
    child.on("exit", (code) => resolvePromise(code ?? 1));
  });
}

const only = process.argv.slice(2);
const scripts = readdirSync(here)
  .filter((file) => file.endsWith(".ts") && file !== "run.ts")
  .filter((file) => only.length === 0 || only.some((name) => file.includes(name)))
  .sort();

mkdirSync(outDir, { recursive: true });
const summary: { script: string; exitCode: number; result?: BenchResult }[] = [];
for (const script of scripts) {
  console.log(`\n=== ${script} ===`);
  const exitCode = await runScript(script);
  const resultFile = join(outDir, script.replace(/\.ts$/, ".json"));
  let result: BenchResult | undefined;
  try {
    result = JSON.parse(readFileSync(resultFile, "utf8")) as BenchResult;
  } catch {
    result = undefined;
  }
  summary.push({ script, exitCode, ...(result ? { result } : {}) });
}

console.log("\n=== summary ===");
for (const { script, exitCode, result } of summary) {
  const verdict = exitCode !== 0 ? `FAILED (exit ${exitCode})` : result?.pass ? "targets met" : "targets MISSED";
  console.log(`${script}: ${verdict}`);
  if (result) console.log(JSON.stringify(result.results, null, 2));
}
writeFileSync(join(outDir, "summary.json"), JSON.stringify(summary, null, 2));
process.exitCode = summary.some((entry) => entry.exitCode !== 0) ? 1 : 0;
