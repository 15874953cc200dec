import type { Logger } from "pino";

import type { CloudConfig } from "../config.js";
import { DataKeyService } from "../crypto/data-keys.js";
import { loadMasterKeys, MASTER_KEY_ENV, type MasterKeyRing } from "../crypto/master-key.js";
import type { Repositories } from "../db/repositories/index.js";
import type { Authenticator } from "../http/auth.js";
import { LoginThrottle, type ThrottleRule } from "../identity/login-throttle.js";
import { PasswordHasher } from "../identity/password-hash.js";
import { warmUpPasswordPolicy } from "../identity/password-policy.js";
import { RefreshSessions } from "../identity/refresh-sessions.js";
import { Accounts, type Disconnect } from "./accounts.js";
import { AuditTrail } from "./audit-trail.js";
import { createAuthenticator } from "./authenticator.js";
import { MachineCredentials } from "./machines.js";
import { PersonalData } from "./personal-data.js";
import { Signing } from "./signing.js";

export class MasterKeyError extends Error {
  override name = "MasterKeyError";
}

export async function masterKeyRing(
  config: Pick<CloudConfig, "dataDir" | "masterKey">,
  logger?: Logger,
): Promise<MasterKeyRing> {
  const loaded = await loadMasterKeys({ dataDir: config.dataDir, env: { [MASTER_KEY_ENV]: config.masterKey } });
  if (!loaded.ok) throw new MasterKeyError(loaded.errors.join("\n"));
  for (const warning of loaded.warnings) logger?.warn(warning);
  if (loaded.created)
    logger?.info("created a master key in the data directory; back it up, and keep it off backups of the database");
  return loaded.ring;
}

export interface AccessOptions {
  /** Tighter login limits for tests. */
  throttle?: { account?: Partial<ThrottleRule>; address?: Partial<ThrottleRule> };
}

export interface Access {
  accounts: Accounts;
  machines: MachineCredentials;
  authenticator: Authenticator;
  audit: AuditTrail;
  signing: Signing;
  personal: PersonalData;
  dataKeys: DataKeyService;
  hasher: PasswordHasher;
  /** Set by the composition root once sockets exist; revocations call it. */
  setDisconnect(disconnect: Disconnect): void;
}

/** Wires the identity building blocks to the database: the one place they meet. */
export async function createAccess(
  config: CloudConfig,
  repos: Repositories,
  now: Date,
  logger?: Logger,
  options: AccessOptions = {},
): Promise<Access> {
  let ring = await masterKeyRing(config, logger);
  const reloadMasterKeys = async (): Promise<MasterKeyRing> => {
    ring = await masterKeyRing(config);
    return ring;
  };
  const dataKeys = new DataKeyService({ store: repos.dataKeys, log: repos.keyAccessLog, masterKeys: ring });
  const personal = new PersonalData(dataKeys, reloadMasterKeys);
  const signing = await Signing.open(
    {
      store: repos.signingKeys,
      revocations: repos.revocations,
      masterKeys: () => ring,
      reloadMasterKeys,
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      ttlSeconds: config.auth.accessTokenSeconds,
      rotateAfterMs: config.auth.signingKeyRotationDays * 24 * 60 * 60_000,
    },
    now,
  );
  const audit = new AuditTrail(repos.auditLog, config.dataDir);
  const hasher = new PasswordHasher();
  warmUpPasswordPolicy();
  await hasher.warmUp();
  let disconnect: Disconnect = () => undefined;
  const relay: Disconnect = (rooms) => disconnect(rooms);
  const accounts = new Accounts({
    repos,
    hasher,
    throttle: new LoginThrottle(options.throttle ?? {}),
    sessions: new RefreshSessions(repos.refreshTokens, {
      idleTimeoutMs: config.auth.sessionIdleMinutes * 60_000,
      absoluteLifetimeMs: config.auth.sessionMaxHours * 60 * 60_000,
    }),
    signing,
    personal,
    audit,
    disconnect: relay,
  });
  const machines = new MachineCredentials(repos, audit, relay);
  return {
    accounts,
    machines,
    authenticator: createAuthenticator({ repos, signing, machines }),
    audit,
    signing,
    personal,
    dataKeys,
    hasher,
    setDisconnect: (next) => {
      disconnect = next;
    },
  };
}
