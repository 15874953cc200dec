import type { Db } from "../database.js";
import { auditLogRepository } from "./audit-log.js";
import { dataKeyStore, keyAccessLog } from "./data-keys.js";
import { floorPlanRepository } from "./floor-plans.js";
import { imageRepository } from "./images.js";
import { machineCredentialRepository } from "./machine-credentials.js";
import { occupancyRepository } from "./occupancy.js";
import { organisationRepository } from "./organisations.js";
import { refreshTokenStore } from "./refresh-tokens.js";
import { revocationRepository } from "./revocations.js";
import { signingKeyStore } from "./signing-keys.js";
import { siteRepository } from "./sites.js";
import { userRepository } from "./users.js";

export function createRepositories(db: Db) {
  return {
    organisations: organisationRepository(db),
    sites: siteRepository(db),
    floorPlans: floorPlanRepository(db),
    images: imageRepository(db),
    users: userRepository(db),
    refreshTokens: refreshTokenStore(db),
    revocations: revocationRepository(db),
    signingKeys: signingKeyStore(db),
    dataKeys: dataKeyStore(db),
    keyAccessLog: keyAccessLog(db),
    machineCredentials: machineCredentialRepository(db),
    auditLog: auditLogRepository(db),
    occupancy: occupancyRepository(db),
  };
}
export type Repositories = ReturnType<typeof createRepositories>;
