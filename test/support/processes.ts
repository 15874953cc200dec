/**
 * Real processes for end-to-end tests and benchmarks: the edge exactly as its product start runs it, the cloud's
 * CLI entry, a private Mosquitto, and a TCP proxy that can cut a link. Each child is killed by its own pid only.
 */
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import type { AddressInfo, Server, Socket } from "node:net";
import { createConnection, createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const MOSQUITTO_BINARY = "/usr/sbin/mosquitto";

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  const port = (server.address() as AddressInfo).port;
  await new Promise((done) => server.close(done));
  return port;
}

/** Polls `probe` until it returns a value other than undefined (or false); throws after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve()
      .then(probe)
      .catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** A child process this module started; stopped or killed by its own pid. */
export class Child {
  private tail = "";
  /** How many log lines carried each `msg` (JSON log lines on stdout). */
  readonly messages = new Map<string, number>();
  readonly exited: Promise<number | null>;
  private done = false;

  constructor(
    readonly name: string,
    readonly process: ChildProcess,
  ) {
    this.exited = new Promise((settle) =>
      process.once("exit", (code) => {
        this.done = true;
        settle(code);
      }),
    );
    const keep = (chunk: Buffer): void => {
      this.tail = (this.tail + chunk.toString()).slice(-8_000);
    };
    process.stderr?.on("data", keep);
  }

  get pid(): number {
    return this.process.pid ?? 0;
  }

  get running(): boolean {
    return !this.done;
  }

  /** The last lines it wrote to stderr (and stdout lines handed to `remember`). */
  output(): string {
    return this.tail;
  }

  remember(line: string): void {
    this.tail = (this.tail + line + "\n").slice(-8_000);
  }

  /** `kill -9`: no shutdown code runs. */
  async kill9(): Promise<void> {
    if (this.done) return;
    this.process.kill("SIGKILL");
    await this.exited;
  }

  /** SIGTERM (the product's clean stop), SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.done) return;
    this.process.kill("SIGTERM");
    const timer = setTimeout(() => this.process.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Reads JSON log lines from stdout until `match` returns a value; fails when the child exits first. */
function untilLogLine<T>(child: Child, match: (entry: Record<string, unknown>) => T | undefined): Promise<T> {
  return new Promise<T>((ready, fail) => {
    let found = false;
    createInterface({ input: child.process.stdout! }).on("line", (line) => {
      child.remember(line);
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        entry = { text: line };
      }
      if (typeof entry.msg === "string") child.messages.set(entry.msg, (child.messages.get(entry.msg) ?? 0) + 1);
      if (found) return;
      const value = match(entry);
      if (value !== undefined) {
        found = true;
        ready(value);
      }
    });
    void child.exited.then((code) => {
      if (!found) fail(new Error(`${child.name} exited with ${code} before it was ready:\n${child.output()}`));
    });
  });
}

/** Flags a developer may add to the start script locally (profiling) are not part of the product command. */
const LOCAL_ONLY_FLAG = /^--(cpu-prof|heap-prof|prof)/;
const ENV_ASSIGNMENT = /^[A-Z_][A-Z0-9_]*=/;

/**
 * The edge's product command: the environment, `node` flags and entry of edge/package.json's `start` script, run
 * from the edge's directory (as `npm start -w edge` does, without npm's wrapper process).
 */
export function edgeStartCommand(): { args: string[]; cwd: string; env: Record<string, string> } {
  const cwd = join(ROOT, "edge");
  const manifest = JSON.parse(readFileSync(join(cwd, "package.json"), "utf8")) as { scripts: { start: string } };
  const words = manifest.scripts.start.trim().split(/\s+/);
  // leading NAME=value words are the environment the script sets (e.g. for the C allocator)
  const env: Record<string, string> = {};
  for (let word = words[0]; word !== undefined && ENV_ASSIGNMENT.test(word); word = words[0]) {
    const at = word.indexOf("=");
    env[word.slice(0, at)] = word.slice(at + 1);
    words.shift();
  }
  const [program, ...args] = words;
  if (program !== "node") throw new Error(`the edge's start script must run node: ${manifest.scripts.start}`);
  const entry = args.at(-1);
  if (entry !== undefined && !existsSync(join(cwd, entry))) {
    throw new Error(`the edge's start script runs ${entry}, which does not exist: run \`npm run build -w edge\``);
  }
  return { args: args.filter((arg) => !LOCAL_ONLY_FLAG.test(arg)), cwd, env };
}

export interface EdgeHealth {
  status: string;
  brokerConnected: boolean;
  cloud: {
    link: { state: string; code?: string };
    outboxDepth?: number;
    outboxBytes?: number;
    droppedTotal?: number;
    deadLetters?: number;
  };
}

export interface EdgeProcess extends Child {
  httpsUrl: string;
  mqttUrl: string;
  health(): Promise<EdgeHealth>;
}

/** Starts the edge with the product command, configured by `env` (log level info: readiness is a log line). */
export async function startEdgeProcess(env: NodeJS.ProcessEnv, name = "edge"): Promise<EdgeProcess> {
  const { args, cwd, env: startEnv } = edgeStartCommand();
  const child = new Child(
    name,
    spawn(process.execPath, args, {
      cwd,
      env: {
        ...process.env,
        ...startEnv,
        DESK_EDGE_HTTPS_HOST: "127.0.0.1",
        DESK_EDGE_HTTPS_PORT: "0",
        ...env,
        DESK_EDGE_LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  const ready = await untilLogLine(child, (entry) =>
    entry.msg === "edge ready" ? { httpsUrl: String(entry.httpsUrl), mqttUrl: String(entry.mqttUrl) } : undefined,
  );
  const dataDir = env.DATA_DIR ?? "";
  const edge = child as EdgeProcess;
  edge.httpsUrl = ready.httpsUrl;
  edge.mqttUrl = ready.mqttUrl;
  edge.health = async () =>
    (await httpsJson(`${ready.httpsUrl}/health`, readFileSync(join(dataDir, "tls", "cert.pem"), "utf8")))
      .body as EdgeHealth;
  return edge;
}

export interface CloudProcess extends Child {
  url: string;
  /** The cloud's development certificate (DATA_DIR/tls/cert.pem): the CA the edge trusts. */
  ca: string;
  caFile: string;
  dbFile: string;
}

/**
 * The cloud's CLI entry (`cloud/src/main.ts`) in a child process on SQLite in `dataDir`, on a fixed port so that a
 * restarted cloud is found where the edge knows it.
 */
export async function startCloudProcess(options: {
  dataDir: string;
  port: number;
  clockAnchor?: string;
  env?: NodeJS.ProcessEnv;
}): Promise<CloudProcess> {
  const child = new Child(
    "cloud",
    spawn(process.execPath, ["--import", "tsx", join(ROOT, "cloud/src/main.ts")], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATA_DIR: options.dataDir,
        DESK_CLOUD_HTTPS_HOST: "127.0.0.1",
        DESK_CLOUD_HTTPS_PORT: String(options.port),
        DESK_CLOUD_LOG_LEVEL: "warn",
        ...(options.clockAnchor !== undefined ? { DESK_CLOUD_CLOCK_ANCHOR: options.clockAnchor } : {}),
        ...options.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  const url = await untilLogLine(child, (entry) => {
    const text = typeof entry.text === "string" ? entry.text : "";
    return /^Cloud API: (https:\/\/\S+)\/api\/v1/.exec(text)?.[1];
  });
  const cloud = child as CloudProcess;
  cloud.url = url;
  cloud.caFile = join(options.dataDir, "tls", "cert.pem");
  cloud.ca = readFileSync(cloud.caFile, "utf8");
  cloud.dbFile = join(options.dataDir, "cloud.db");
  return cloud;
}

/**
 * A private Mosquitto on `port` (the machine's own on 1883 is shared and must not be restarted): anonymous, no
 * persistence, a large queue for the gateway's session. `extraConfig` lines come last, and Mosquitto takes the last
 * value of an option (e.g. `allow_anonymous false` with a `password_file`).
 */
export async function startMosquitto(port: number, dir: string, extraConfig: readonly string[] = []): Promise<Child> {
  const conf = join(dir, `mosquitto-${port}.conf`);
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      "allow_anonymous true",
      "persistence false",
      "max_queued_messages 100000",
      ...extraConfig,
      "",
    ].join("\n"),
  );
  const child = new Child("mosquitto", spawn(MOSQUITTO_BINARY, ["-c", conf], { stdio: ["ignore", "pipe", "pipe"] }));
  child.process.stdout?.on("data", (chunk: Buffer) => child.remember(chunk.toString().trimEnd()));
  await waitFor(
    () =>
      new Promise<boolean>((answer) => {
        const socket = createConnection({ host: "127.0.0.1", port });
        socket.once("connect", () => {
          socket.destroy();
          answer(true);
        });
        socket.once("error", () => answer(false));
      }),
    `mosquitto on port ${port}`,
    10_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${child.output()}`);
  });
  return child;
}

/**
 * A TCP proxy in front of a server: `down()` drops every connection and refuses new ones (a cut network link, as
 * the edge sees a cloud that went away), `up()` lets connections through again, `holdReplies()` keeps the
 * server's answers from the open connections.
 */
export class LinkProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  private open = true;
  port = 0;
  cuts = 0;

  constructor(
    private readonly targetPort: number,
    private readonly targetHost = "127.0.0.1",
  ) {
    this.server = createServer((client) => {
      if (!this.open) {
        client.destroy();
        return;
      }
      const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
      const pair = { client, upstream };
      this.sockets.add(client).add(upstream);
      this.pairs.add(pair);
      const close = (): void => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
        this.pairs.delete(pair);
      };
      client.on("error", close).on("close", close);
      upstream.on("error", close).on("close", close);
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  async listen(port = 0): Promise<number> {
    await new Promise<void>((ready) => this.server.listen(port, "127.0.0.1", ready));
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  down(): void {
    this.open = false;
    this.cuts += 1;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  up(): void {
    this.open = true;
  }

  /**
   * Stops passing the server's replies on (requests still go through): the server acts on what it receives, but
   * its answers, acknowledgements included, wait in the connection as if the server had not sent them yet.
   */
  holdReplies(): void {
    for (const { client, upstream } of this.pairs) {
      upstream.unpipe(client);
      upstream.pause();
    }
  }

  async close(): Promise<void> {
    this.down();
    await new Promise((done) => this.server.close(done));
  }
}

/** One HTTPS JSON request trusting `ca`. */
export function httpsJson(
  url: string,
  ca: string,
  options: { method?: string; token?: string; json?: unknown } = {},
): Promise<{ status: number; body: unknown }> {
  return new Promise((answer, fail) => {
    const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
    if (options.json !== undefined) headers["content-type"] = "application/json";
    request(url, { ca, headers, agent: false, method: options.method ?? "GET" }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.on("end", () => {
        try {
          answer({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : null });
        } catch {
          fail(new Error(`${url}: ${res.statusCode ?? 0} with a body that is not JSON: ${text.slice(0, 200)}`));
        }
      });
    })
      .on("error", fail)
      .end(options.json === undefined ? undefined : JSON.stringify(options.json));
  });
}
