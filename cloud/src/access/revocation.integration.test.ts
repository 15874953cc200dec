import { io, type Socket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import {
  GATEWAY_NAMESPACE,
  LIVE_NAMESPACE,
  PROTOCOL_VERSION,
  type Jwks,
  type MachineCredentialCreated,
  type PlatformRevocation,
  type TokenPair,
  type UserCreated,
} from "@desksharing/protocol";

import { startTestCloud, type TestCloud } from "../test-support/cloud.js";
import { PROVIDERS_UNDER_TEST } from "../test-support/databases.js";

/** A revoked token's live socket must be gone within a second, on every layer of revocation. */
describe.each(PROVIDERS_UNDER_TEST)("revocation drops live sockets on %s", (provider) => {
  let t: TestCloud;
  const sockets: Socket[] = [];

  async function connect(token: string, namespace = LIVE_NAMESPACE): Promise<Socket> {
    const socket = io(`${t.cloud.url}${namespace}`, {
      auth: { token, protocolVersion: PROTOCOL_VERSION },
      ca: t.cloud.caCertificate,
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
    });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", reject);
    });
    return socket;
  }

  /** Runs the revocation and measures until the socket is disconnected by the server. */
  async function msUntilDropped(socket: Socket, revoke: () => Promise<unknown>): Promise<number> {
    const dropped = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("socket still connected after 5 s")), 5_000);
      socket.once("disconnect", (reason) => {
        clearTimeout(timer);
        expect(reason).toBe("io server disconnect");
        resolve(performance.now());
      });
    });
    const started = performance.now();
    await revoke();
    return (await dropped) - started;
  }

  const newEmployee = async (): Promise<{ email: string; password: string; id: string }> => {
    const email = `e-${Math.random().toString(36).slice(2)}@example.com`;
    const created = (await t.admin.post("/api/v1/users", { name: "Sam Sample", email, role: "employee" }))
      .json as UserCreated;
    return { email, password: created.initialPassword, id: created.user.id };
  };

  beforeAll(async () => {
    t = await startTestCloud(provider);
  });
  afterEach(() => {
    sockets.splice(0).forEach((socket) => socket.close());
  });
  afterAll(() => t?.stop());

  it("token layer: signing out drops that session's socket, not the user's other sessions", async () => {
    const user = await newEmployee();
    const a = await t.login(user.email, user.password);
    const b = await t.login(user.email, user.password);
    const socketA = await connect(a.accessToken);
    const socketB = await connect(b.accessToken);
    const ms = await msUntilDropped(socketA, () => t.admin.as(a.accessToken).post("/api/v1/auth/logout"));
    expect(ms).toBeLessThan(1_000);
    expect(socketB.connected).toBe(true);
    expect((await t.admin.as(b.accessToken).get("/api/v1/me")).status).toBe(200);
  });

  it("user layer: an admin ending a user's sessions drops all of that user's sockets", async () => {
    const user = await newEmployee();
    const sessions = [await t.login(user.email, user.password), await t.login(user.email, user.password)];
    const connected = await Promise.all(sessions.map((session) => connect(session.accessToken)));
    const bystander = await connect(t.admin.token!);
    const ms = await Promise.all(
      connected.map((socket, index) =>
        msUntilDropped(socket, () =>
          index === 0 ? t.admin.post(`/api/v1/users/${user.id}/revoke-sessions`) : Promise.resolve(),
        ),
      ),
    );
    expect(Math.max(...ms)).toBeLessThan(1_000);
    expect(bystander.connected).toBe(true);
    for (const session of sessions) {
      expect((await t.admin.as(session.accessToken).get("/api/v1/me")).status).toBe(401);
      expect((await t.admin.as(null).post("/api/v1/auth/refresh", { refreshToken: session.refreshToken })).status).toBe(
        401,
      );
    }
  });

  it("a role change drops the user's sockets too", async () => {
    const user = await newEmployee();
    const session = await t.login(user.email, user.password);
    const socket = await connect(session.accessToken);
    const ms = await msUntilDropped(socket, () => t.admin.put(`/api/v1/users/${user.id}/role`, { role: "facilities" }));
    expect(ms).toBeLessThan(1_000);
  });

  it("machine layer: revoking a credential drops its gateway socket and refuses it afterwards", async () => {
    const site = ((await t.admin.get("/api/v1/sites")).json as { items: { id: string }[] }).items[0]!;
    const created = (
      await t.admin.post("/api/v1/machine-credentials", { siteId: site.id, kind: "gateway", name: "gw" })
    ).json as MachineCredentialCreated;
    const socket = await connect(created.secret, GATEWAY_NAMESPACE);
    const ms = await msUntilDropped(socket, () =>
      t.admin.request("DELETE", `/api/v1/machine-credentials/${created.credential.id}`),
    );
    expect(ms).toBeLessThan(1_000);
    await expect(connect(created.secret, GATEWAY_NAMESPACE)).rejects.toThrow();
  });

  it("platform layer: revoke-all ends every session, replaces the signing keys and drops every socket", async () => {
    const user = await newEmployee();
    const session: TokenPair = await t.login(user.email, user.password);
    const before = (await t.admin.as(null).get("/.well-known/jwks.json")).json as Jwks;
    const userSocket = await connect(session.accessToken);
    const adminSocket = await connect(t.admin.token!);
    const adminDropped = msUntilDropped(adminSocket, () => Promise.resolve());
    let revocation: PlatformRevocation | undefined;
    const ms = await msUntilDropped(userSocket, async () => {
      revocation = (await t.admin.post("/api/v1/platform/revoke-all")).json as PlatformRevocation;
    });
    expect(ms).toBeLessThan(1_000);
    expect(await adminDropped).toBeLessThan(1_000);
    expect(revocation!.revokedSessions).toBeGreaterThanOrEqual(2);
    for (const token of [session.accessToken, t.admin.token!]) {
      expect((await t.admin.as(token).get("/api/v1/me")).status).toBe(401);
    }
    expect((await t.admin.as(null).post("/api/v1/auth/refresh", { refreshToken: session.refreshToken })).status).toBe(
      401,
    );
    const after = (await t.admin.as(null).get("/.well-known/jwks.json")).json as Jwks;
    const old = new Set(before.keys.map((key) => key.kid));
    expect(after.keys.some((key) => old.has(key.kid))).toBe(false);
    // Signing in again works and yields tokens that verify.
    const again = await t.login(user.email, user.password);
    expect((await t.admin.as(again.accessToken).get("/api/v1/me")).status).toBe(200);
  });
});
