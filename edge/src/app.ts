import { mkdirSync, readFileSync } from "node:fs";
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
import { attachDownlink, checkKioskToken, type DownlinkCache } from "./downlink/index.js";
import { Gateway } from "./gateway.js";
import { loadPlans } from "./plans.js";
import { edgeDatabasePath, provisionSite } from "./provision.js";
import { CloudLink, type UplinkHealth } from "./uplink/cloud-link.js";

export interface EdgeHandle {
  /** e.g. https://localhost:8443 */
  httpsUrl: string;
  /** httpsUrl + "/#token=<kiosk token>" */
  kioskUrl: string;
  /** The broker the devices use. */
  mqttUrl: string;
  dataDir: string;
  /** The cloud link and its outbox; null when no cloud is configured. */
  cloudLink(): UplinkHealth | null;
  stop(): Promise<void>;
}

/** How often hold times and heartbeat timeouts are evaluated (real time). */
const TICK_MS = 250;
const RETENTION_EVERY_MS = 60_000;
/** How often connected kiosks are checked against the cached credentials (one may have expired meanwhile). */
const KIOSK_RECHECK_MS = 5_000;
/**
 * socket.io heartbeat on `/kiosk`: a kiosk whose edge went silent (a half-open network) shows "connection lost"
 * after about interval + timeout instead of socket.io's default 45 s.
 */
const KIOSK_PING = { pingInterval: 5_000, pingTimeout: 5_000 };
const RETENTION_CHUNK = 2_000;
const DAY_MS = 24 * 3_600_000;

/** A credential or CA file named by configuration; a clear error naming the variable when it cannot be read. */
function readSecretFile(file: string | undefined, variable: string): string {
  if (file === undefined) throw new Error(`${variable} is not set`);
  try {
    return readFileSync(file, "utf8").trim();
  } catch (error) {
    throw new Error(`cannot read ${variable} (${file}): ${(error as Error).message}`);
  }
}

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
  const { kioskToken, gatewayLogin } = await provisionSite({ dataDir: config.dataDir, siteId: config.siteId, plans });
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
    uplink: () => link?.health() ?? null,
  });
  let link: CloudLink | null = null;
  let downlink: DownlinkCache | null = null;
  const store = new SqliteStore(
    edgeDatabasePath(config.dataDir),
    config.batch,
    (stats) => {
      metrics.committedBatch(stats.readings, stats.deadLetters, stats.seconds);
      if (stats.uplinkEvents > 0) link?.notify();
    },
    (error) => logger.error({ err: error.message }, "sqlite commit failed"),
  );
  cleanups.push(() => store.close());
  if (config.cloud.url !== undefined) {
    const cache = (downlink = store.enableDownlinkCache());
    const downlinkLogger = logger.child({ module: "edge:downlink" });
    link = new CloudLink({
      url: config.cloud.url,
      token: readSecretFile(config.cloud.tokenFile, "DESK_EDGE_CLOUD_TOKEN_FILE"),
      siteId: config.siteId,
      ...(config.cloud.caFile !== undefined
        ? { ca: readSecretFile(config.cloud.caFile, "DESK_EDGE_CLOUD_CA_FILE") }
        : {}),
      outbox: store.enableOutbox(),
      bounds: config.cloud.outbox,
      historyPerSecond: config.cloud.historyPerSecond,
      logger: logger.child({ module: "edge:uplink" }),
      metrics: metrics.uplink,
      onSocket: (socket) =>
        attachDownlink(socket, cache, {
          siteId: config.siteId,
          logger: downlinkLogger,
          onChange: (parts) => {
            downlinkLogger.info({ parts }, "downlink: cache updated");
            if (parts.includes("kioskCredentials")) {
              const dropped = kiosk?.reauthorise() ?? 0;
              if (dropped > 0) downlinkLogger.info({ dropped }, "kiosks without a valid credential disconnected");
            }
            if (parts.includes("plans") || parts.includes("settings")) kiosk?.refresh();
          },
        }),
    });
  }
  const cache = downlink;
  const uplink = link;
  const credentials = new CredentialCheck(store);
  const gateway: Gateway = new Gateway({
    siteId: config.siteId,
    plans,
    settings: config.occupancy,
    store,
    now,
    publisherVerified: config.mqtt.url === undefined,
    uplinkReadings: config.cloud.sendReadings,
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
    if (uplink !== null) {
      uplink.start();
      // stopped before the store closes (cleanups run in reverse)
      cleanups.push(() => uplink.stop());
    }

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
        gatewayLogin,
      );
      cleanups.push(() => ingest.close());
      brokerUp = () => ingest.connected();
      // printed and logged: a login given in the URL stays out of both
      const shown = new URL(config.mqtt.url);
      shown.username = "";
      shown.password = "";
      mqttUrl = shown.toString();
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
          // the site works without the cloud: the link is reported, it does not make the edge unhealthy
          status: brokerConnected && dbOk ? "ok" : "degraded",
          siteId: config.siteId,
          brokerConnected,
          dbOk,
          devices,
          lowBatteryDevices: gateway.lowBatteryDevices().slice(0, 100),
          lastIngestAt: lastIngest === null ? null : new Date(lastIngest).toISOString(),
          kioskClients: kiosk?.clients() ?? 0,
          cloud:
            uplink === null || cache === null
              ? { link: { state: "disabled" } }
              : { ...uplink.health(), downlink: cache.status() },
        };
      },
      metrics: async () => ({ contentType: metrics.contentType(), body: await metrics.render() }),
    });
    const io = new SocketServer(server, { serveClient: false, cors: { origin: false }, ...KIOSK_PING });
    kiosk = attachKioskNamespace(io, {
      // the kiosk provisioned with the edge, or one enrolled in the cloud (its hash cached, expiry by real time)
      authorise: (token) =>
        credentials.identify("kiosk", token) !== null ||
        (cache !== null && checkKioskToken(cache, token, Date.now()).ok),
      snapshot: () => {
        // what the cloud published for the site wins over the plan files once it has arrived
        const published = cache?.plans() ?? [];
        return {
          siteId: config.siteId,
          siteName: cache?.settings()?.site.name ?? config.siteName,
          at: now(),
          plans: published.length > 0 ? published.map((floor) => floor.plan) : plans,
          desks: gateway.desks(),
          rooms: gateway.rooms(),
        };
      },
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
    const kioskRecheck = cache === null ? null : setInterval(() => feed.reauthorise(), KIOSK_RECHECK_MS);
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
      if (kioskRecheck !== null) clearInterval(kioskRecheck);
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
      cloudLink: () => uplink?.health() ?? null,
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
