import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";

import type { FloorPlan } from "@desksharing/protocol";
import { virtualTime } from "@desksharing/protocol";
import type { Logger } from "pino";
import { pino } from "pino";
import { Server as SocketServer } from "socket.io";

import { loadOrCreateCertificate } from "./adapters/certificates.js";
import { CredentialCheck } from "./adapters/credentials.js";
import type { EmbeddedBroker } from "./adapters/embedded-broker.js";
import { startEmbeddedBroker } from "./adapters/embedded-broker.js";
import { listen } from "./adapters/errors.js";
import { createHttpsServer } from "./adapters/https-server.js";
import type { KioskFeed } from "./adapters/kiosk-namespace.js";
import { attachKioskNamespace } from "./adapters/kiosk-namespace.js";
import { Metrics } from "./adapters/metrics.js";
import type { ExternalIngest } from "./adapters/mqtt-ingest.js";
import { connectExternalBroker } from "./adapters/mqtt-ingest.js";
import { SqliteStore } from "./adapters/sqlite-store.js";
import type { EdgeConfig } from "./config.js";
import { Gateway } from "./gateway.js";
import { loadPlans } from "./plans.js";
import { edgeDatabasePath, provisionSite } from "./provision.js";

export interface EdgeHandle {
  /** e.g. https://localhost:8443 */
  httpsUrl: string;
  /** httpsUrl + "/#token=<kiosk token>" */
  kioskUrl: string;
  /** The broker the devices use. */
  mqttUrl: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** How often hold times and heartbeat timeouts are evaluated (real time). */
const TICK_MS = 250;
const RETENTION_EVERY_MS = 60_000;
const RETENTION_CHUNK = 2_000;
const DAY_MS = 24 * 3_600_000;

/**
 * Composition root: provisions the site if needed, opens SQLite, resumes the stored state, starts the broker (or
 * connects to the external one), the HTTPS server with health, metrics, the kiosk app and `/kiosk`.
 */
export async function startEdge(
  config: EdgeConfig,
  logger: Logger = pino({ level: config.logLevel }),
): Promise<EdgeHandle> {
  mkdirSync(config.dataDir, { recursive: true });
  const plans: FloorPlan[] = loadPlans(config.planFiles, config.siteId);
  const { kioskToken } = await provisionSite({ dataDir: config.dataDir, siteId: config.siteId, plans });
  const now = (): number => virtualTime(config.clockAnchor, Date.now());

  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async (): Promise<void> => {
    for (const step of cleanups.reverse()) await step();
    cleanups.length = 0;
  };

  let kiosk: KioskFeed | null = null;
  let brokerUp: () => boolean = () => false;
  const metrics = new Metrics({
    devices: () => gateway.deviceSummary(),
    kioskClients: () => kiosk?.clients() ?? 0,
    brokerConnected: () => brokerUp(),
  });
  const store = new SqliteStore(
    edgeDatabasePath(config.dataDir),
    config.batch,
    (stats) => metrics.committedBatch(stats.readings, stats.deadLetters, stats.seconds),
    (error) => logger.error({ err: error.message }, "sqlite commit failed"),
  );
  cleanups.push(() => store.close());
  const credentials = new CredentialCheck(store);
  const gateway: Gateway = new Gateway({
    siteId: config.siteId,
    plans,
    settings: config.occupancy,
    store,
    now,
    publisherVerified: config.mqtt.url === undefined,
    observer: {
      messageReceived: (channel) => metrics.messageReceived(channel),
      readingAccepted: () => metrics.readingAccepted(),
      messageRejected: (reason) => metrics.messageRejected(reason),
      targetsChanged: (targets) => kiosk?.publish(targets),
    },
  });

  try {
    gateway.load();
    store.flush();
    metrics.start();
    cleanups.push(() => metrics.stop());

    let mqttUrl: string;
    if (config.mqtt.url === undefined) {
      const broker: EmbeddedBroker = await startEmbeddedBroker({
        host: config.mqtt.host,
        port: config.mqtt.port,
        siteId: config.siteId,
        gateway,
        credentials,
        metrics,
        logger: logger.child({ module: "edge:mqtt" }),
      });
      cleanups.push(() => broker.close());
      brokerUp = () => true;
      mqttUrl = `mqtt://${config.mqtt.host === "0.0.0.0" ? "127.0.0.1" : config.mqtt.host}:${broker.port}`;
    } else {
      const ingest: ExternalIngest = await connectExternalBroker(
        config.mqtt.url,
        config.siteId,
        gateway,
        logger.child({ module: "edge:mqtt" }),
        () => store.awaitingCommit(),
      );
      cleanups.push(() => ingest.close());
      brokerUp = () => ingest.connected();
      mqttUrl = config.mqtt.url;
    }

    const tls = await loadOrCreateCertificate(config.dataDir, config.https);
    const server = createHttpsServer(tls, {
      kioskDir: config.kioskDir,
      health: () => {
        const devices = gateway.deviceSummary();
        const brokerConnected = brokerUp();
        const dbOk = store.ping();
        const lastIngest = gateway.lastIngest();
        return {
          status: brokerConnected && dbOk ? "ok" : "degraded",
          siteId: config.siteId,
          brokerConnected,
          dbOk,
          devices,
          lowBatteryDevices: gateway.lowBatteryDevices().slice(0, 100),
          lastIngestAt: lastIngest === null ? null : new Date(lastIngest).toISOString(),
          kioskClients: kiosk?.clients() ?? 0,
        };
      },
      metrics: async () => ({ contentType: metrics.contentType(), body: await metrics.render() }),
    });
    const io = new SocketServer(server, { serveClient: false, cors: { origin: false } });
    kiosk = attachKioskNamespace(io, {
      authorise: (token) => credentials.identify("kiosk", token) !== null,
      snapshot: () => ({
        siteId: config.siteId,
        siteName: config.siteName,
        at: now(),
        plans,
        desks: gateway.desks(),
        rooms: gateway.rooms(),
      }),
      now,
    });
    const feed = kiosk;
    await listen(server, config.https.host, config.https.port, "HTTPS", "DESK_EDGE_HTTPS_PORT");
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          feed.close();
          void io.close();
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );

    const ticker = setInterval(() => gateway.tick(), TICK_MS);
    let purging = false;
    const purge = (): void => {
      if (purging) return;
      purging = true;
      const cutoff = now() - config.retentionDays * DAY_MS;
      const step = (): void => {
        if (store.purgeOlderThan(cutoff, RETENTION_CHUNK) >= RETENTION_CHUNK) setImmediate(step);
        else purging = false;
      };
      step();
    };
    const retention = setInterval(purge, RETENTION_EVERY_MS);
    cleanups.push(() => {
      clearInterval(ticker);
      clearInterval(retention);
    });
    purge();

    const port = (server.address() as AddressInfo).port;
    const httpsUrl = `https://localhost:${port}`;
    logger.info(
      {
        siteId: config.siteId,
        httpsUrl,
        mqttUrl,
        devices: gateway.devices.size,
        selfSignedCertificate: tls.selfSigned,
      },
      "edge ready",
    );
    let stopped: Promise<void> | null = null;
    return {
      httpsUrl,
      kioskUrl: `${httpsUrl}/#token=${encodeURIComponent(kioskToken)}`,
      mqttUrl,
      dataDir: config.dataDir,
      stop: () => {
        stopped ??= cleanup().then(() => logger.info("edge stopped"));
        return stopped;
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
