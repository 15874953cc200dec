import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import type { FloorPlan } from "@desksharing/protocol";
import { describe, expect, it } from "vitest";

import { MOSQUITTO_URL, Recorder, uniqueSiteId } from "./test-support.js";

const CLI = fileURLToPath(new URL("./cli.ts", import.meta.url));

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], untilStdout?: RegExp, thenSignal?: NodeJS.Signals): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], {
      env: { ...process.env, LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`cli did not finish: ${stdout}\n${stderr}`));
    }, 20_000);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (untilStdout?.test(stdout) && thenSignal !== undefined && child.exitCode === null) {
        untilStdout = undefined;
        child.kill(thenSignal);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function planFile(siteId: string): string {
  const dir = mkdtempSync(join(tmpdir(), "mocks-cli-"));
  const plan: FloorPlan = {
    schemaVersion: 1,
    siteId,
    floorId: "f1",
    name: "Test floor",
    level: 1,
    width: 2000,
    height: 1000,
    walls: [],
    zones: [],
    rooms: [{ id: "r1", label: "Room", x: 0, y: 0, width: 500, height: 500, capacity: 4, sensorIds: ["counter-r1"] }],
    desks: ["pir-d1", "thermal-d2"].map((sensor, i) => ({
      id: `d${i + 1}`,
      label: `D${i + 1}`,
      x: 600 + i * 200,
      y: 100,
      width: 160,
      height: 80,
      rotation: 0,
      sensorIds: [sensor],
      equipment: [],
      accessible: false,
    })),
  };
  const file = join(dir, "plan.json");
  writeFileSync(file, JSON.stringify(plan));
  return file;
}

describe("mocks CLI", () => {
  it("explains a bad flag, an unreadable plan and an unreachable broker without a stack trace", async () => {
    const [badFlag, missing, unreachable] = await Promise.all([
      cli(["--plan", "x.json", "--speed", "fast"]),
      cli(["--plan", "/nonexistent/plan.json"]),
      cli(["--plan", planFile("cli-test"), "--broker", "mqtt://127.0.0.1:1"]),
    ]);
    expect(badFlag.code).not.toBe(0);
    expect(badFlag.stderr).toMatch(/--speed <n>.*must be a positive number/);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read floor plan \/nonexistent\/plan\.json/);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/cannot reach MQTT broker at mqtt:\/\/127\.0\.0\.1:1/);
    for (const outcome of [badFlag, missing, unreachable]) expect(outcome.stderr).not.toMatch(/\n\s+at /);
  });

  it("runs a plan's devices and publishes offline statuses when stopped with SIGINT", async () => {
    const siteId = uniqueSiteId("mocks-cli");
    const recorder = await Recorder.start(MOSQUITTO_URL, siteId);
    try {
      const outcome = await cli(
        ["--plan", planFile(siteId), "--broker", MOSQUITTO_URL, "--speed", "600", "--seed", "3"],
        /fleet connected/,
        "SIGINT",
      );
      expect(outcome.code).toBe(0);
      for (const deviceId of ["pir-d1", "thermal-d2", "counter-r1"]) {
        const statuses = recorder.statuses(deviceId).map((s) => s.state);
        expect(statuses[0]).toBe("online");
        expect(statuses.at(-1)).toBe("offline");
      }
    } finally {
      await recorder.close(["pir-d1", "thermal-d2", "counter-r1"]);
    }
  });
});
