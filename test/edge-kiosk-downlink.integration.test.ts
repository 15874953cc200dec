/**
 * What the cloud sends down reaches the edge's kiosks, end to end with real processes: the edge with its product
 * command linked to the cloud's CLI entry, kiosks connecting to the edge's `/kiosk` as the kiosk app does. A kiosk
 * enrolled in the cloud is let in, a published plan and a renamed site reach connected kiosks, a revoked kiosk is
 * disconnected and refused, each within a second; during an outage and after an edge restart the cached
 * credentials and plans still serve.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import {
  KIOSK_NAMESPACE,
  PROTOCOL_VERSION,
  type FloorPlan,
  type FloorPlanImport,
  type KioskClientToServerEvents,
  type KioskServerToClientEvents,
  type KioskSnapshot,
} from "@desksharing/protocol";
import { io, type Socket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { LinkRig, type Site } from "./support/link-rig.js";
import { httpsJson, ROOT, waitFor } from "./support/processes.js";

type KioskSocket = Socket<KioskServerToClientEvents, KioskClientToServerEvents>;

interface Kiosk {
  socket: KioskSocket;
  snapshots: KioskSnapshot[];
  disconnectedAt: number | null;
}

const floor1 = JSON.parse(readFileSync(join(ROOT, "floorplans", "hq", "floor-1.json"), "utf8")) as FloorPlan;

const rig = new LinkRig("edge-kiosk-downlink", 1);
const kiosks: Kiosk[] = [];

beforeAll(() => rig.start());
afterEach(() => {
  for (const kiosk of kiosks.splice(0)) kiosk.socket.close();
});
afterAll(async () => {
  await rig.cleanup();
  await rig.stop();
});

/** A kiosk on the edge's `/kiosk`: resolves with its first snapshot, or with the refusal's code. */
function connectKiosk(s: Site, token: string): Promise<{ kiosk: Kiosk } | { refused: string }> {
  const socket: KioskSocket = io(`${s.edge.httpsUrl}${KIOSK_NAMESPACE}`, {
    auth: { token, protocolVersion: PROTOCOL_VERSION },
    ca: readFileSync(join(s.dataDir, "tls", "cert.pem"), "utf8"),
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
  });
  const kiosk: Kiosk = { socket, snapshots: [], disconnectedAt: null };
  kiosks.push(kiosk);
  return new Promise((settle) => {
    socket.on("floor:snapshot", (snapshot) => {
      kiosk.snapshots.push(snapshot);
      if (kiosk.snapshots.length === 1) settle({ kiosk });
    });
    socket.on("disconnect", () => (kiosk.disconnectedAt ??= Date.now()));
    socket.on("connect_error", (error: Error & { data?: { code?: string } }) =>
      settle({ refused: error.data?.code ?? error.message }),
    );
  });
}

async function admitted(s: Site, token: string): Promise<Kiosk> {
  const answer = await connectKiosk(s, token);
  if ("refused" in answer) throw new Error(`kiosk refused: ${answer.refused}`);
  return answer.kiosk;
}

async function enrolKiosk(name: string): Promise<{ id: string; secret: string }> {
  const created = await httpsJson(`${rig.admin.url}/api/v1/machine-credentials`, rig.admin.ca, {
    method: "POST",
    token: rig.admin.token,
    json: { siteId: rig.admin.siteUuid, kind: "kiosk", name },
  });
  expect(created.status).toBe(201);
  const body = created.body as { credential: { id: string }; secret: string };
  return { id: body.credential.id, secret: body.secret };
}

const call = (method: string, path: string, json?: unknown) =>
  httpsJson(`${rig.admin.url}/api/v1${path}`, rig.admin.ca, { method, token: rig.admin.token, json });

describe("cloud → edge → kiosks (real edge and cloud processes)", () => {
  let s: Site;
  let lobby: { id: string; secret: string };
  const latencies: Record<string, number> = {};

  afterAll(() => console.log(`cloud change → edge's kiosks (ms): ${JSON.stringify(latencies)}`));

  it("lets a kiosk enrolled in the cloud in within a second and shows it the site's published plans", async () => {
    s = await rig.site("kiosks", { desks: 30 });
    await waitFor(rig.linkUp(s), "the link");
    const started = Date.now();
    lobby = await enrolKiosk("Lobby");
    let kiosk: Kiosk | undefined;
    await waitFor(
      async () => {
        const answer = await connectKiosk(s, lobby.secret);
        if ("kiosk" in answer) kiosk = answer.kiosk;
        return kiosk !== undefined;
      },
      "the edge to let the new kiosk in",
      5_000,
      20,
    );
    latencies.kioskEnrolled = Date.now() - started;
    expect(latencies.kioskEnrolled).toBeLessThan(1_000);
    // the edge's own plan file is a generated floor "f1"; the cloud's published floors of hq replace it
    expect(kiosk!.snapshots[0]!.plans.map((plan) => plan.floorId)).toEqual(["floor-1", "floor-2"]);
    expect(await connectKiosk(s, `${lobby.secret.slice(0, -4)}xxxx`)).toEqual({ refused: "UNAUTHENTICATED" });
  });

  it("a plan published and a site renamed in the cloud reach connected kiosks within a second", async () => {
    const kiosk = await admitted(s, lobby.secret);
    const floors = (await call("GET", `/sites/${rig.admin.siteUuid}/floors`)).body as {
      items: { id: string; key: string }[];
    };
    const floor = floors.items.find((item) => item.key === "floor-1")!;
    const imported = await call("POST", `/sites/${rig.admin.siteUuid}/floor-plans`, {
      ...floor1,
      name: "Floor 1 (rebuilt)",
    });
    expect(imported.status).toBe(201);
    const { version } = (imported.body as FloorPlanImport).version;

    const seen = kiosk.snapshots.length;
    const published = Date.now();
    expect((await call("POST", `/floors/${floor.id}/versions/${version}/publish`)).status).toBe(200);
    const rebuilt = await waitFor(
      () =>
        kiosk.snapshots
          .slice(seen)
          .find((snapshot) => snapshot.plans.some((plan) => plan.name === "Floor 1 (rebuilt)")) && Date.now(),
      "the new plan at the kiosk",
      5_000,
      5,
    );
    latencies.planPublished = rebuilt - published;
    expect(latencies.planPublished).toBeLessThan(1_000);

    const renamed = Date.now();
    expect((await call("PATCH", `/sites/${rig.admin.siteUuid}`, { name: "Head office" })).status).toBe(200);
    const shown = await waitFor(
      () => kiosk.snapshots.some((snapshot) => snapshot.siteName === "Head office") && Date.now(),
      "the new site name at the kiosk",
      5_000,
      5,
    );
    latencies.siteRenamed = shown - renamed;
    expect(latencies.siteRenamed).toBeLessThan(1_000);
  });

  it("a kiosk revoked in the cloud is disconnected within a second and refused afterwards", async () => {
    const entrance = await enrolKiosk("Entrance");
    const kiosk = await waitFor(async () => {
      const answer = await connectKiosk(s, entrance.secret);
      return "kiosk" in answer ? answer.kiosk : undefined;
    }, "the entrance kiosk to be let in");
    const bystander = await admitted(s, lobby.secret);
    const revoked = Date.now();
    expect((await call("DELETE", `/machine-credentials/${entrance.id}`)).status).toBe(204);
    const dropped = await waitFor(() => kiosk.disconnectedAt ?? undefined, "the revoked kiosk to be dropped", 5_000, 5);
    latencies.kioskRevoked = dropped - revoked;
    expect(latencies.kioskRevoked).toBeLessThan(1_000);
    expect(await connectKiosk(s, entrance.secret)).toEqual({ refused: "UNAUTHENTICATED" });
    expect(bystander.disconnectedAt).toBeNull();
  });

  it("serves cached kiosks and plans with the cloud down, also after an edge restart", async () => {
    await rig.cloud.stop();
    await waitFor(async () => !(await rig.linkUp(s)()), "the edge to see the cloud go");
    const during = await admitted(s, lobby.secret);
    expect(during.snapshots[0]!.plans.find((plan) => plan.floorId === "floor-1")?.name).toBe("Floor 1 (rebuilt)");

    await s.edge.stop();
    await s.restart();
    const afterRestart = await admitted(s, lobby.secret);
    expect(afterRestart.snapshots[0]!.siteName).toBe("Head office");
    expect(afterRestart.snapshots[0]!.plans.map((plan) => plan.floorId)).toEqual(["floor-1", "floor-2"]);
    await rig.startCloud();
  });
});
