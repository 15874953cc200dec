import { mkdir } from "node:fs/promises";
import { createServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";

import { virtualTime } from "@desksharing/protocol";
import { pino, type Logger } from "pino";

import { createAccess, MasterKeyError, type Access, type AccessOptions } from "./access/index.js";
import type { CloudConfig } from "./config.js";
import { databaseTarget, openDatabase, type Database } from "./db/database.js";
import { createRepositories, type Repositories } from "./db/repositories/index.js";
import { createHttpApp } from "./http/app.js";
import { createHttpMetrics } from "./http/metrics.js";
import { buildOpenApiDocument } from "./http/openapi.js";
import type { AnyRoute } from "./http/route.js";
import { auditRoutes } from "./http/routes/audit.js";
import { authRoutes } from "./http/routes/auth.js";
import type { RouteDeps } from "./http/routes/common.js";
import { floorPlanRoutes } from "./http/routes/floor-plans.js";
import { imageRoutes } from "./http/routes/images.js";
import { machineCredentialRoutes } from "./http/routes/machine-credentials.js";
import { occupancyRoutes } from "./http/routes/occupancy.js";
import { operationsRoutes } from "./http/routes/operations.js";
import { organisationRoutes } from "./http/routes/organisation.js";
import { siteRoutes } from "./http/routes/sites.js";
import { userRoutes } from "./http/routes/users.js";
import { loadTlsMaterial, TLS_SETTINGS } from "./http/tls.js";
import { attachRedisAdapter } from "./realtime/redis.js";
import { DownlinkSource } from "./realtime/downlink.js";
import { createRealtime, type Realtime } from "./realtime/sockets.js";
import { seedIfEmpty } from "./seed.js";

const API_VERSION = "1.0.0";

export class StartError extends Error {
  override name = "StartError";
}

/** Everything a running cloud consists of; tests reach the parts, `startCloud` hands out the public few. */
export interface CloudInstance {
  url: string;
  /** Only on the start that seeded the database: the first admin's sign-in, shown once. */
  admin?: { email: string; password: string };
  config: CloudConfig;
  database: Database;
  repos: Repositories;
  access: Access;
  routes: readonly AnyRoute[];
  realtime: Realtime;
  server: HttpsServer;
  caCertificate: string;
  stop: () => Promise<void>;
}

function listen(server: HttpsServer, config: CloudConfig): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      if (error.code === "EADDRINUSE") {
        reject(
          new StartError(
            `port ${config.https.port} on ${config.https.host} is taken; set DESK_CLOUD_HTTPS_PORT to a free port`,
          ),
        );
      } else reject(error);
    };
    server.once("error", onError);
    server.listen(config.https.port, config.https.host, () => {
      server.off("error", onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

function publicHost(host: string): string {
  return host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
}

export async function createCloud(
  config: CloudConfig,
  logger: Logger = pino({ level: config.logLevel }),
  options: AccessOptions = {},
): Promise<CloudInstance> {
  const now = (): Date => new Date();
  await mkdir(config.dataDir, { recursive: true });
  const tls = await loadTlsMaterial(config);
  if (tls.source === "generated") logger.info({ cert: tls.certPath }, "created a self-signed development certificate");

  const target = databaseTarget(config.databaseUrl, config.dataDir);
  const database = await openDatabase(target, (message) => logger.trace({ engine: message }, "schema engine"));
  if (database.applied.length > 0) logger.info({ migrations: database.applied, provider: target.provider }, "migrated");
  const repos = createRepositories(database.db);
  let access: Access;
  try {
    access = await createAccess(config, repos, now(), logger, options);
  } catch (error) {
    await database.close();
    throw error instanceof MasterKeyError ? new StartError(error.message) : error;
  }

  let admin: CloudInstance["admin"];
  if (config.seed.enabled) {
    const seeded = await seedIfEmpty(repos, access.accounts, {
      planFiles: config.seed.planFiles,
      dataDir: config.dataDir,
      adminEmail: config.seed.adminEmail,
      now: now(),
    });
    if (seeded) {
      admin = { email: seeded.adminEmail, password: seeded.adminPassword };
      logger.info(
        { passwordFile: seeded.passwordFile },
        "seeded the sample organisation; the first admin's password is in the password file",
      );
    }
  }

  const authenticator = access.authenticator;
  const server = createServer({ ...TLS_SETTINGS, cert: tls.cert, key: tls.key });
  let ownOrigin = "";
  const metrics = createHttpMetrics();
  const clockAnchor = config.clockAnchor;
  const realtime = createRealtime({
    server,
    authenticator,
    floorPlans: repos.floorPlans,
    sites: repos.sites,
    occupancy: repos.occupancy,
    downlink: new DownlinkSource({ ...repos, now }),
    metrics: metrics.registry,
    liveOrigins: () => [ownOrigin, ...config.liveOrigins],
    logger,
    now,
    ...(clockAnchor !== undefined ? { occupancyNow: () => new Date(virtualTime(clockAnchor, Date.now())) } : {}),
  });
  access.setDisconnect((rooms) => realtime.disconnect(rooms));
  access.machines.onChange((change) => {
    if (change.kind === "kiosk") realtime.downlinkChanged(change.orgId, ["kioskCredentials"], { id: change.siteId });
  });
  let closeRedis = (): Promise<void> => Promise.resolve();
  if (config.redisUrl !== undefined) {
    try {
      closeRedis = await attachRedisAdapter(realtime.io, config.redisUrl, (error) =>
        logger.warn({ err: error.message }, "redis connection problem"),
      );
    } catch (error) {
      await database.close();
      throw new StartError(`cannot reach Redis at DESK_CLOUD_REDIS_URL: ${(error as Error).message}`);
    }
  }
  const deps: RouteDeps = {
    repos,
    database,
    access,
    onPlanPublished: (orgId, event) => {
      realtime.planPublished(orgId, {
        siteId: event.siteKey,
        floorId: event.floorKey,
        version: event.version,
        publishedAt: event.publishedAt.getTime(),
      });
      realtime.downlinkChanged(orgId, ["plans"], { key: event.siteKey });
    },
    onDownlinkChanged: (orgId, parts, site) => realtime.downlinkChanged(orgId, parts, site),
    connectedGateways: (orgId) => realtime.connectedGateways(orgId),
  };
  const routes: AnyRoute[] = [
    ...operationsRoutes({ ...deps, metrics, openApiDocument: () => document }),
    ...authRoutes(deps),
    ...userRoutes(deps),
    ...machineCredentialRoutes(deps),
    ...auditRoutes(deps),
    ...organisationRoutes(deps),
    ...siteRoutes(deps),
    ...floorPlanRoutes(deps),
    ...imageRoutes(deps),
    ...occupancyRoutes(deps),
  ];
  const document = buildOpenApiDocument(routes, API_VERSION);
  server.on("request", createHttpApp({ config, routes, authenticator, metrics, logger, now }));

  let address: AddressInfo;
  try {
    address = await listen(server, config);
  } catch (error) {
    await closeRedis();
    await database.close();
    throw error;
  }
  const url = `https://${publicHost(config.https.host === "0.0.0.0" ? "localhost" : config.https.host)}:${address.port}`;
  ownOrigin = url;
  logger.info({ url, database: target.provider }, "cloud listening");

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // socket.io closes the HTTPS server as well; idle keep-alive connections would hold it open.
      const closed = realtime.close();
      server.closeIdleConnections();
      const forced = setTimeout(() => server.closeAllConnections(), 5_000);
      await closed;
      clearTimeout(forced);
      await closeRedis();
      await database.close();
      logger.info("cloud stopped");
    })();
    return stopping;
  };

  return {
    url,
    ...(admin !== undefined ? { admin } : {}),
    config,
    database,
    repos,
    access,
    routes,
    realtime,
    server,
    caCertificate: tls.cert,
    stop,
  };
}

/** What `startCloud` hands out. */
export interface StartedCloud {
  url: string;
  /** Only on the start that seeded: the first admin's e-mail (sign-in name). */
  adminEmail?: string;
  /** Only on the start that seeded: the first admin's generated password, shown once (also in the password file). */
  adminPassword?: string;
  /** The certificate the cloud serves (PEM): what a development edge trusts. */
  caCertificate: string;
  /**
   * Creates a gateway credential (scope gateway:sync) for the site with this key in the only organisation that has
   * one, as an admin would, and returns its secret (shown once; only its hash is stored). For `npm start`.
   */
  enrolGateway: (siteKey: string, name: string) => Promise<string>;
  stop: () => Promise<void>;
}

/** Starts the cloud: HTTPS only, migrated database, seeded with the first admin on first start. */
export async function startCloud(config: CloudConfig, logger?: Logger): Promise<StartedCloud> {
  const cloud = await createCloud(config, logger);
  return {
    url: cloud.url,
    ...(cloud.admin !== undefined ? { adminEmail: cloud.admin.email, adminPassword: cloud.admin.password } : {}),
    caCertificate: cloud.caCertificate,
    enrolGateway: async (siteKey, name) => {
      const sites = await cloud.database.db.site.findMany({
        where: { key: siteKey },
        select: { id: true, orgId: true },
      });
      const site = sites[0];
      if (site === undefined || sites.length > 1) {
        throw new StartError(`cannot enrol a gateway: ${sites.length} sites have the key '${siteKey}'`);
      }
      const created = await cloud.access.machines.create(
        site.orgId,
        { siteId: site.id, kind: "gateway", name },
        "system:start",
        new Date(),
      );
      if (!created.ok) throw new StartError(`cannot enrol a gateway: ${created.code}`);
      return created.secret;
    },
    stop: cloud.stop,
  };
}
