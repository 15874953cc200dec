import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";

import Database from "better-sqlite3";
import { pino, type Logger } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { loadCloudConfig, startCloud, type StartedCloud } from "@desksharing/cloud";
import type { DownlinkChanged, DownlinkPart, FloorPlan, FloorPlanImport } from "@desksharing/protocol";

import { attachDownlink, checkKioskToken, DownlinkCache } from "../edge/src/downlink/index.js";
import { CloudLink, OutboxStore, type OutboxBounds } from "../edge/src/uplink/index.js";

const UNBOUNDED: OutboxBounds = { maxRows: 1e9, maxBytes: 1e12, maxAgeMs: 1e12 };
const floor1 = JSON.parse(
  readFileSync(path.join(import.meta.dirname, "..", "floorplans", "hq", "floor-1.json"), "utf8"),
) as FloorPlan;

function api(
  url: string,
  ca: string,
  method: string,
  pathname: string,
  token?: string,
  json?: unknown,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    if (json !== undefined) headers["content-type"] = "application/json";
    request(`${url}${pathname}`, { ca, headers, agent: false, method }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : null }));
    })
      .on("error", reject)
      .end(json === undefined ? undefined : JSON.stringify(json));
  });
}

/** Polls in 5 ms steps: the latency measured below must not be the polling interval. */
async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return Date.now();
}

interface Edge {
  file: string;
  db: Database.Database;
  cache: DownlinkCache;
  link: CloudLink;
  /** Each commit that changed the cache: which parts, when (ms). */
  changes: { parts: DownlinkPart[]; at: number }[];
  /** Every change notice the cloud pushed to this edge. */
  notices: DownlinkChanged[];
  logs: { msg: string; code?: string }[];
  stop(): Promise<void>;
}

describe("cloud → edge downlink against the real cloud", () => {
  const root = mkdtempSync(path.join(tmpdir(), "edge-cloud-downlink-"));
  const cloudDir = path.join(root, "cloud");
  let cloud: StartedCloud | null = null;
  let url = "";
  let port = 0;
  let ca = "";
  let adminToken = "";
  let hqId = "";
  let branchId = "";
  let hqSecret = "";
  let branchSecret = "";
  const edges: Edge[] = [];
  const latencies: Record<string, number> = {};

  async function bootCloud(): Promise<void> {
    const config = loadCloudConfig({ DATA_DIR: cloudDir, DESK_CLOUD_LOG_LEVEL: "silent" });
    cloud = await startCloud({ ...config, https: { host: "127.0.0.1", port } }, pino({ level: "silent" }));
    url = cloud.url;
    port = Number(new URL(url).port);
  }

  const call = (method: string, pathname: string, json?: unknown) => api(url, ca, method, pathname, adminToken, json);

  async function credential(siteId: string, kind: "gateway" | "kiosk", name: string) {
    const created = await call("POST", "/api/v1/machine-credentials", { siteId, kind, name });
    expect(created.status).toBe(201);
    return created.body as { credential: { id: string }; secret: string };
  }

  /** An edge as the product wires it: CloudLink's onSocket hook hangs the downlink on every new socket. */
  function edge(token: string, siteId: string, file = path.join(root, `edge-${siteId}-${edges.length}.db`)): Edge {
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    const cache = new DownlinkCache(db);
    const changes: Edge["changes"] = [];
    const notices: DownlinkChanged[] = [];
    const logs: Edge["logs"] = [];
    const logger: Logger = pino({ level: "debug" }, { write: (line: string) => logs.push(JSON.parse(line) as never) });
    const link = new CloudLink({
      url,
      token,
      siteId,
      ca,
      outbox: new OutboxStore(db),
      bounds: UNBOUNDED,
      logger,
      backoffBaseMs: 50,
      backoffCapMs: 300,
      onSocket: (socket) => {
        socket.on("downlink:changed", (event) => notices.push(event));
        attachDownlink(socket, cache, {
          siteId,
          logger,
          onChange: (parts) => changes.push({ parts, at: Date.now() }),
        });
      },
    });
    const created: Edge = {
      file,
      db,
      cache,
      link,
      changes,
      notices,
      logs,
      stop: async () => {
        await link.stop();
        if (db.open) db.close();
      },
    };
    edges.push(created);
    link.start();
    return created;
  }

  /** Runs `change` and returns ms from its start until the edge's cache committed a change of `part`. */
  async function latencyOf(gw: Edge, part: DownlinkPart, change: () => Promise<void>): Promise<number> {
    const seen = gw.changes.length;
    const started = Date.now();
    await change();
    const committed = () => gw.changes.slice(seen).find((entry) => entry.parts.includes(part));
    await waitUntil(() => committed() !== undefined, `${part} at the edge`);
    return committed()!.at - started;
  }

  beforeAll(async () => {
    await bootCloud();
    ca = readFileSync(path.join(cloudDir, "tls", "cert.pem"), "utf8");
    const login = await api(url, ca, "POST", "/api/v1/auth/login", undefined, {
      email: cloud!.adminEmail,
      password: cloud!.adminPassword,
    });
    expect(login.status).toBe(200);
    adminToken = (login.body as { accessToken: string }).accessToken;
    const sites = (await call("GET", "/api/v1/sites")).body as { items: { id: string; key: string }[] };
    hqId = sites.items.find((site) => site.key === "hq")!.id;
    const branch = await call("POST", "/api/v1/sites", {
      key: "branch",
      name: "Branch",
      address: "",
      timeZone: "Europe/Vienna",
    });
    expect(branch.status).toBe(201);
    branchId = (branch.body as { id: string }).id;
    hqSecret = (await credential(hqId, "gateway", "gw-hq")).secret;
    branchSecret = (await credential(branchId, "gateway", "gw-branch")).secret;
  });

  afterAll(async () => {
    for (const e of edges) await e.stop();
    await cloud?.stop();
    rmSync(root, { recursive: true, force: true });
    console.log(`downlink latency, cloud change → edge cache (ms): ${JSON.stringify(latencies)}`);
  });

  let hq: Edge;
  let branch: Edge;
  let lobby: { credential: { id: string }; secret: string };

  it("caches the site's snapshot on connect: published plans, settings, kiosk credential hashes", async () => {
    lobby = await credential(hqId, "kiosk", "Lobby");
    hq = edge(hqSecret, "hq");
    branch = edge(branchSecret, "branch");
    await waitUntil(() => Object.keys(hq.cache.known("hq")).length === 3, "the hq snapshot");
    await waitUntil(() => Object.keys(branch.cache.known("branch")).length === 3, "the branch snapshot");
    expect(hq.changes[0]?.parts).toEqual(["plans", "settings", "kioskCredentials"]);
    expect(hq.cache.plans().map(({ plan, version }) => [plan.floorId, version])).toEqual([
      ["floor-1", 1],
      ["floor-2", 1],
    ]);
    expect(hq.cache.settings()).toMatchObject({
      site: { timeZone: "Europe/Berlin" },
      privacy: { showNamesOnKiosk: false },
    });
    expect(checkKioskToken(hq.cache, lobby.secret, Date.now())).toEqual({
      ok: true,
      credential: { id: lobby.credential.id, name: "Lobby" },
    });
    // The edge's SQLite holds the hash, never the secret.
    const stored = hq.db.prepare("SELECT hex(hash) FROM downlink_kiosk_credentials").pluck().all() as string[];
    expect(stored).toHaveLength(1);
    expect(readFileSync(hq.file).includes(lobby.secret)).toBe(false);
  });

  it("a newly published plan version reaches the edge's cache within a second", async () => {
    const floors = (await call("GET", `/api/v1/sites/${hqId}/floors`)).body as { items: { id: string; key: string }[] };
    const floor = floors.items.find((item) => item.key === "floor-1")!;
    const imported = await call("POST", `/api/v1/sites/${hqId}/floor-plans`, { ...floor1, name: "Floor 1 (rebuilt)" });
    expect(imported.status).toBe(201);
    const { version } = (imported.body as FloorPlanImport).version;
    const ms = await latencyOf(hq, "plans", async () => {
      const published = await call("POST", `/api/v1/floors/${floor.id}/versions/${version}/publish`);
      expect(published.status).toBe(200);
    });
    latencies.planPublished = ms;
    expect(ms).toBeLessThan(1_000);
    expect(hq.cache.plans().find(({ plan }) => plan.floorId === "floor-1")).toMatchObject({
      version,
      plan: { name: "Floor 1 (rebuilt)" },
    });
  });

  it("a kiosk credential created, then revoked, reaches the edge within a second; the token check follows", async () => {
    let entrance: { credential: { id: string }; secret: string } | undefined;
    latencies.kioskCreated = await latencyOf(hq, "kioskCredentials", async () => {
      entrance = await credential(hqId, "kiosk", "Entrance");
    });
    expect(latencies.kioskCreated).toBeLessThan(1_000);
    expect(checkKioskToken(hq.cache, entrance!.secret, Date.now())).toMatchObject({ ok: true });

    latencies.kioskRevoked = await latencyOf(hq, "kioskCredentials", async () => {
      expect((await call("DELETE", `/api/v1/machine-credentials/${entrance!.credential.id}`)).status).toBe(204);
    });
    expect(latencies.kioskRevoked).toBeLessThan(1_000);
    expect(checkKioskToken(hq.cache, entrance!.secret, Date.now())).toEqual({ ok: false, reason: "unknown" });
    expect(checkKioskToken(hq.cache, lobby.secret, Date.now())).toMatchObject({ ok: true });

    latencies.settingsChanged = await latencyOf(hq, "settings", async () => {
      const patched = await call("PATCH", "/api/v1/organisation/settings", { privacy: { showNamesOnKiosk: true } });
      expect(patched.status).toBe(200);
    });
    expect(latencies.settingsChanged).toBeLessThan(1_000);
    expect(hq.cache.settings()?.privacy.showNamesOnKiosk).toBe(true);
  });

  it("a gateway of one site never receives another site's data", async () => {
    const branchKiosk = await credential(branchId, "kiosk", "Branch kiosk");
    await waitUntil(() => checkKioskToken(branch.cache, branchKiosk.secret, Date.now()).ok, "the branch kiosk");
    expect(checkKioskToken(hq.cache, branchKiosk.secret, Date.now())).toEqual({ ok: false, reason: "unknown" });
    expect(checkKioskToken(branch.cache, lobby.secret, Date.now())).toEqual({ ok: false, reason: "unknown" });
    expect(branch.cache.plans()).toEqual([]);
    expect(branch.cache.settings()?.site).toEqual({ name: "Branch", timeZone: "Europe/Vienna" });
    expect(branch.notices.every((notice) => notice.siteId === "branch")).toBe(true);
    expect(hq.notices.every((notice) => notice.siteId === "hq")).toBe(true);
    // After its first snapshot, the plan published at hq changed nothing at the branch.
    expect(branch.changes.slice(1).flatMap((change) => change.parts)).not.toContain("plans");

    // An edge configured for hq but holding the branch's credential is refused and caches nothing.
    const misconfigured = edge(branchSecret, "hq");
    await waitUntil(
      () => misconfigured.logs.some((line) => line.msg.includes("refuses the snapshot request")),
      "the refusal",
    );
    expect(misconfigured.logs.find((line) => line.msg.includes("refuses the snapshot request"))?.code).toBe(
      "FORBIDDEN",
    );
    expect(misconfigured.cache.status().siteId).toBeNull();
    await misconfigured.stop();
  });

  it("keeps answering with the cloud stopped and after an edge restart; a reconnect fetches nothing unchanged", async () => {
    const plans = hq.cache.plans();
    await cloud!.stop();
    cloud = null;
    await waitUntil(() => hq.link.state.state !== "connected", "the link to drop");
    expect(hq.cache.plans()).toEqual(plans);
    expect(checkKioskToken(hq.cache, lobby.secret, Date.now())).toMatchObject({ ok: true });

    // Edge restart: a new cache on the same file, while the cloud is still down.
    await hq.stop();
    const restarted = new Database(hq.file);
    const cache = new DownlinkCache(restarted);
    expect(cache.plans()).toEqual(plans);
    expect(cache.settings()?.privacy.showNamesOnKiosk).toBe(true);
    expect(checkKioskToken(cache, lobby.secret, Date.now())).toMatchObject({ ok: true });
    const known = cache.known("hq");
    restarted.close();

    await bootCloud();
    const again = edge(hqSecret, "hq", hq.file);
    await waitUntil(() => again.logs.some((line) => line.msg === "downlink: cache current"), "the reconnect snapshot");
    expect(again.changes).toEqual([]);
    expect(again.cache.known("hq")).toEqual(known);
  });
});
