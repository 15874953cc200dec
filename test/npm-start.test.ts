/**
 * `npm start` (scripts/start.ts) as a user runs it: cloud, edge and mock fleet linked on one accelerated clock. The
 * cloud learns the office's state through the edge's uplink; stopping the cloud (SIGUSR2, the `c` key in a
 * terminal) fills the edge's outbox, restarting it drains the outbox; Ctrl-C stops everything cleanly.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { request } from "node:https";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");
const TSX = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const START = path.join(ROOT, "scripts", "start.ts");

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function call(url: string, ca: string, token?: string, json?: unknown): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    if (json !== undefined) headers["content-type"] = "application/json";
    request(url, { ca, headers, agent: false, method: json === undefined ? "GET" : "POST" }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : null }));
    })
      .on("error", reject)
      .end(json === undefined ? undefined : JSON.stringify(json));
  });
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

interface CloudHealth {
  link: { state: string };
  outboxDepth: number;
}

describe("npm start", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "npm-start-"));
  let child: ChildProcess | undefined;
  let pid: number | undefined;
  afterAll(() => {
    child?.kill("SIGKILL");
    try {
      if (pid !== undefined) process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("links edge and cloud; stopping the cloud fills the edge's outbox, restarting it drains it; Ctrl-C stops all", async () => {
    const [edgePort, mqttPort, cloudPort] = [await freePort(), await freePort(), await freePort()];
    child = spawn(process.execPath, [TSX, START], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        DEMO_SPEED: "120",
        DESK_EDGE_HTTPS_HOST: "127.0.0.1",
        DESK_EDGE_HTTPS_PORT: String(edgePort),
        DESK_EDGE_MQTT_HOST: "127.0.0.1",
        DESK_EDGE_MQTT_PORT: String(mqttPort),
        DESK_CLOUD_HTTPS_HOST: "127.0.0.1",
        DESK_CLOUD_HTTPS_PORT: String(cloudPort),
        DESK_EDGE_LOG_LEVEL: "warn",
        DESK_CLOUD_LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child?.once("exit", (code) => resolve(code)));
    const printed = (pattern: RegExp, timeoutMs = 90_000): Promise<RegExpMatchArray> =>
      until(() => Promise.resolve(pattern.exec(output) ?? undefined), `${pattern} in:\n${output}`, timeoutMs);

    const [, email, password] = await printed(/First admin .*: (\S+) \/ (\S+)/);
    await printed(/Kiosk: +https:\/\/localhost:\d+\/#token=/);
    // the process that runs the system (tsx runs it in a child of the process spawned here)
    pid = Number((await printed(/SIGUSR2 to pid (\d+)/))[1]);
    // the edge trusts the cloud's development certificate, written for it into the data directory
    const ca = readFileSync(path.join(dataDir, "cloud-ca.pem"), "utf8");
    expect(statSync(path.join(dataDir, "edge-gateway-credential")).mode & 0o777).toBe(0o600);
    const edgeHealth = async (): Promise<CloudHealth> =>
      ((await call(`https://127.0.0.1:${edgePort}/health`, ca)).body as { cloud: CloudHealth }).cloud;
    const cloudUrl = `https://127.0.0.1:${cloudPort}`;

    const login = await call(`${cloudUrl}/api/v1/auth/login`, ca, undefined, { email, password });
    const token = (login.body as { accessToken: string }).accessToken;
    const sites = (await call(`${cloudUrl}/api/v1/sites`, ca, token)).body as { items: { id: string }[] };
    const siteId = sites.items[0]?.id ?? "";
    // every desk of the sample office reaches the cloud through the edge's uplink, and devices report online
    const occupancy = await until(
      async () => {
        const body = (await call(`${cloudUrl}/api/v1/sites/${siteId}/occupancy`, ca, token)).body as {
          desks: unknown[];
          devices: { availability: string }[];
        };
        return body.desks.length >= 100 && body.devices.some((d) => d.availability === "online") ? body : undefined;
      },
      "the office's state in the cloud",
      60_000,
    );
    expect(occupancy.desks.length).toBeGreaterThanOrEqual(100);
    expect((await edgeHealth()).link.state).toBe("connected");

    process.kill(pid, "SIGUSR2");
    await printed(/Cloud stopped/);
    const filled = await until(
      async () => {
        const health = await edgeHealth();
        return health.link.state !== "connected" && health.outboxDepth >= 30 ? health : undefined;
      },
      "the outbox to fill while the cloud is down",
      60_000,
    );
    console.log(`outbox while the cloud was down: ${filled.outboxDepth} events`);

    process.kill(pid, "SIGUSR2");
    await printed(/Cloud running again/);
    const drained = await until(
      async () => {
        const health = await edgeHealth();
        return health.link.state === "connected" && health.outboxDepth < filled.outboxDepth / 3 ? health : undefined;
      },
      "the outbox to drain after the cloud is back",
      60_000,
    );
    console.log(`outbox after the cloud came back: ${drained.outboxDepth} events`);

    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(output).toContain("Stopped cleanly.");
  }, 240_000);
});
