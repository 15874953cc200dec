import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { request } from "node:https";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");
const TSX = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const MAIN = path.join(ROOT, "cloud", "src", "main.ts");

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startMain(env: Record<string, string>): Started {
  const child = spawn(process.execPath, [TSX, MAIN], {
    cwd: ROOT,
    env: { ...process.env, DESK_CLOUD_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

function waitFor(started: Started, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${pattern}; output:\n${started.output()}`)),
      timeoutMs,
    );
    const check = (): void => {
      const match = pattern.exec(started.output());
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    started.child.stdout?.on("data", check);
    void started.exited.then(() => {
      check();
      clearTimeout(timer);
      reject(new Error(`exited before ${pattern}; output:\n${started.output()}`));
    });
    check();
  });
}

function get(url: string, ca: string, token?: string, json?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    if (json !== undefined) headers["content-type"] = "application/json";
    request(url, { ca, headers, agent: false, method: json === undefined ? "GET" : "POST" }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on("error", reject)
      .end(json === undefined ? undefined : JSON.stringify(json));
  });
}

async function login(url: string, ca: string, email: string, password: string): Promise<string> {
  const response = await get(`${url}/api/v1/auth/login`, ca, undefined, { email, password });
  expect(response.status).toBe(200);
  return (JSON.parse(response.body) as { accessToken: string }).accessToken;
}

describe("cloud entry point (npm start -w cloud)", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "cloud-start-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("starts seeded on a fresh data directory, prints its URL and the first admin's password once, and stops on SIGTERM", async () => {
    const first = startMain({ DATA_DIR: dataDir, DESK_CLOUD_HTTPS_PORT: "0", DESK_CLOUD_HTTPS_HOST: "127.0.0.1" });
    const [, url] = await waitFor(first, /Cloud API: (https:\/\/127\.0\.0\.1:\d+)\/api\/v1/);
    const [, email, printedPassword] = await waitFor(first, /First admin: (\S+) {2}password .*: (\S+)/);
    const passwordFile = path.join(dataDir, "cloud-admin-password");
    expect(readFileSync(passwordFile, "utf8").trim()).toBe(printedPassword);
    expect(statSync(passwordFile).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dataDir, "master.key")).mode & 0o777).toBe(0o600);
    const ca = readFileSync(path.join(dataDir, "tls", "cert.pem"), "utf8");
    expect(statSync(path.join(dataDir, "tls", "key.pem")).mode & 0o777).toBe(0o600);

    expect((await get(`${url}/api/v1/health`, ca)).status).toBe(200);
    const sites = await get(`${url}/api/v1/sites`, ca, await login(url!, ca, email!, printedPassword!));
    expect(JSON.parse(sites.body)).toMatchObject({
      items: [{ key: "hq", name: "Berlin HQ", timeZone: "Europe/Berlin" }],
    });

    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    await expect(get(`${url}/api/v1/health`, ca)).rejects.toThrow(/ECONNREFUSED/);

    // A second start keeps the data (and the keys) and does not seed or print a password again.
    const second = startMain({ DATA_DIR: dataDir, DESK_CLOUD_HTTPS_PORT: "0", DESK_CLOUD_HTTPS_HOST: "127.0.0.1" });
    const [, url2] = await waitFor(second, /Cloud API: (https:\/\/127\.0\.0\.1:\d+)\/api\/v1/);
    expect(second.output()).not.toContain("First admin");
    const token = await login(url2!, ca, email!, printedPassword!);
    const sitesAgain = JSON.parse((await get(`${url2}/api/v1/sites`, ca, token)).body) as { items: unknown[] };
    expect(sitesAgain.items).toHaveLength(1);
    second.child.kill("SIGINT");
    expect(await second.exited).toBe(0);
  });

  it("names the setting to change when its port is taken", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const started = startMain({
        DATA_DIR: dataDir,
        DESK_CLOUD_HTTPS_PORT: String(port),
        DESK_CLOUD_HTTPS_HOST: "127.0.0.1",
      });
      expect(await started.exited).toBe(1);
      expect(started.output()).toContain(`port ${port} on 127.0.0.1 is taken; set DESK_CLOUD_HTTPS_PORT`);
    } finally {
      blocker.close();
    }
  });

  it("lists every configuration problem and exits", async () => {
    const started = startMain({ DATA_DIR: dataDir, DESK_CLOUD_HTTPS_PORT: "http", DATABASE_URL: "mysql://x" });
    expect(await started.exited).toBe(1);
    expect(started.output()).toContain("DESK_CLOUD_HTTPS_PORT");
    expect(started.output()).toContain("databaseUrl");
  });
});
