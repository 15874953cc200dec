import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { MachineCredentialCreated } from "@desksharing/protocol";

import { ApiClient } from "../test-support/client.js";
import { startTestCloud, type TestCloud } from "../test-support/cloud.js";
import { PROVIDERS_UNDER_TEST } from "../test-support/databases.js";

const LIST = fileURLToPath(new URL("./list-machine-credentials.ts", import.meta.url));
const REVOKE = fileURLToPath(new URL("./revoke-machine-credential.ts", import.meta.url));
const VERIFY = fileURLToPath(new URL("./verify-audit.ts", import.meta.url));

/** Each run starts a process that opens the database (and would migrate it if anything were pending). */
const SEVERAL_RUNS_MS = 120_000;

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe.each(PROVIDERS_UNDER_TEST)("machine credential CLI on %s", (provider) => {
  let t: TestCloud;
  let gateway: MachineCredentialCreated;
  let kiosk: MachineCredentialCreated;
  let hq: string;
  let branch: string;

  /** Runs a CLI script as `npm run` does (tsx), against the test cloud's database and data directory. */
  const cli = (script: string, args: string[]): Promise<Outcome> =>
    new Promise((resolve, reject) => {
      const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: t.database.dataDir, DATABASE_URL: t.database.url };
      delete env.DESK_CLOUD_MASTER_KEY;
      delete env.DESK_CLOUD_CONFIG_FILE;
      const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { env, stdio: "pipe" });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
  const lineOf = (outcome: Outcome, id: string) => outcome.stdout.split("\n").find((line) => line.startsWith(id));

  beforeAll(async () => {
    t = await startTestCloud(provider);
    hq = ((await t.admin.get("/api/v1/sites")).json as { items: { id: string }[] }).items[0]!.id;
    const created = await t.admin.post("/api/v1/sites", {
      key: "branch",
      name: "Branch",
      address: "",
      timeZone: "UTC",
    });
    branch = (created.json as { id: string }).id;
    const create = async (body: object) =>
      (await t.admin.post("/api/v1/machine-credentials", body)).json as MachineCredentialCreated;
    gateway = await create({ siteId: hq, kind: "gateway", name: "gw-hq" });
    kiosk = await create({ siteId: branch, kind: "kiosk", name: "Lobby" });
  });
  // The server keeps running throughout: the commands work next to it, on SQLite too.
  afterAll(() => t?.stop());

  it(
    "lists the credentials of the organisation or of one site, without their secrets, while the server serves",
    async () => {
      const [all, served] = await Promise.all([cli(LIST, []), t.admin.get("/api/v1/machine-credentials")]);
      expect(all).toMatchObject({ code: 0, stderr: "" });
      expect(served.status).toBe(200);
      expect(lineOf(all, gateway.credential.id)?.split("\t")).toEqual([
        gateway.credential.id,
        "hq",
        "gateway",
        "active",
        "gw-hq",
        gateway.credential.scopes.join(","),
        "last used never",
      ]);
      expect(lineOf(all, kiosk.credential.id)).toMatch(/\tbranch\tkiosk\tactive\tLobby\t/);
      expect(all.stdout).toContain("2 machine credential(s)");
      expect(all.stdout).not.toContain(gateway.secret);

      const branchOnly = await cli(LIST, ["--site", "branch"]);
      expect(lineOf(branchOnly, kiosk.credential.id)).toBeDefined();
      expect(lineOf(branchOnly, gateway.credential.id)).toBeUndefined();
      const nowhere = await cli(LIST, ["--site", "nowhere"]);
      expect([nowhere.code, nowhere.stderr.trim()]).toEqual([
        2,
        "--site names no site of the organisation (give its id or key)",
      ]);
    },
    SEVERAL_RUNS_MS,
  );

  it(
    "revokes one credential: the running server refuses its secret from then on",
    async () => {
      const as = (secret: string) => new ApiClient(t.cloud.url, t.cloud.caCertificate, t.cloud.routes, secret);
      expect((await as(gateway.secret).get(`/api/v1/sites/${hq}/floor-plans`)).status).toBe(200);
      const revoked = await cli(REVOKE, ["--id", gateway.credential.id]);
      expect(revoked).toMatchObject({ code: 0, stderr: "" });
      expect(revoked.stdout).toContain(`revoked machine credential ${gateway.credential.id} (gateway "gw-hq")`);

      expect((await as(gateway.secret).get(`/api/v1/sites/${hq}/floor-plans`)).status).toBe(401);
      expect((await as(kiosk.secret).get(`/api/v1/sites/${branch}/floor-plans`)).status).toBe(200);
      const audited = await t.cloud.database.db.auditLog.findMany({
        where: { action: "machine_credential_revoke", target: `machine:${gateway.credential.id}` },
      });
      expect(audited.map((entry) => entry.actor)).toEqual(["system:cli"]);

      expect(lineOf(await cli(LIST, []), gateway.credential.id)?.split("\t")[3]).toMatch(/^revoked \d{4}-/);

      const unknown = await cli(REVOKE, ["--id", "no-such-credential"]);
      expect([unknown.code, unknown.stderr.trim()]).toEqual([
        2,
        "--id names no machine credential of the organisation",
      ]);
      const missing = await cli(REVOKE, []);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/^--id: /);
    },
    SEVERAL_RUNS_MS,
  );

  it(
    "verifies the audit log that the server and the commands both append to",
    async () => {
      const created = await t.admin.post("/api/v1/machine-credentials", { siteId: hq, kind: "gateway", name: "gw-2" });
      expect(created.status).toBe(201);
      const verified = await cli(VERIFY, []);
      expect(verified).toMatchObject({ code: 0, stderr: "" });
      expect(verified.stdout).toMatch(/^audit log intact: \d+ entries, head at \d+\n$/);
    },
    SEVERAL_RUNS_MS,
  );
});
