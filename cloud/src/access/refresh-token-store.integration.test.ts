import { afterAll, beforeAll, describe } from "vitest";

import { databaseTarget, openDatabase, type Database } from "../db/database.js";
import { refreshTokenStore } from "../db/repositories/refresh-tokens.js";
import { refreshTokenStoreContract } from "../identity/refresh-token-store.contract.js";
import { PROVIDERS_UNDER_TEST, testDatabase, type TestDatabase } from "../test-support/databases.js";

describe.each(PROVIDERS_UNDER_TEST)("database refresh-token store on %s", (provider) => {
  let target: TestDatabase;
  let database: Database;
  beforeAll(async () => {
    target = testDatabase(provider);
    database = await openDatabase(databaseTarget(target.url, target.dataDir), () => undefined);
    // The contract's rows name users u1 and u2 of organisation org1; the foreign keys want them to exist.
    await database.db.organisation.create({ data: { id: "org1", name: "Contract GmbH" } });
    for (const id of ["u1", "u2"]) {
      await database.db.user.create({
        data: { id, orgId: "org1", role: "employee", nameEnc: "-", emailEnc: "-", emailIndex: id, passwordHash: "!" },
      });
    }
  });
  afterAll(async () => {
    await database?.close();
    await target?.drop();
  });

  refreshTokenStoreContract(provider, async () => {
    await database.db.refreshToken.deleteMany({});
    return refreshTokenStore(database.db);
  });
});
