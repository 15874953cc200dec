/**
 * Master-key rotation without downtime: a new key goes in front of DATA_DIR/master.key (older ones stay for
 * unwrapping), every data key and signing key is re-wrapped under it, and running servers pick it up the next time
 * an unwrap needs it. With --drop-old, keys other than the new one are removed from the file afterwards.
 * Usage: npm run master-key:rotate -w cloud [-- --drop-old]
 */
import { parseArgs } from "node:util";

import { masterKeyRing } from "../access/index.js";
import { loadCloudConfig } from "../config.js";
import { removeMasterKeyFromFile } from "../crypto/master-key.js";
import { fail, withCloud } from "./common.js";
import { rotateMasterKey } from "../access/key-rotation.js";

const { values } = parseArgs({ options: { "drop-old": { type: "boolean", default: false } } });
if (loadCloudConfig().masterKey !== undefined) {
  fail(
    "DESK_CLOUD_MASTER_KEY is set: rotate it in the secret manager (new key first, comma, old key), then re-run with the file key absent",
  );
}
const outcome = await withCloud(({ config, repos, access }) => rotateMasterKey(config, repos, access, new Date()));
console.log(`new master key ${outcome.masterKeyId}: ${outcome.rewrapped} data keys re-wrapped, signing keys re-sealed`);
if (values["drop-old"]) {
  const config = loadCloudConfig();
  const ring = await masterKeyRing(config);
  for (const key of ring.all.slice(1)) await removeMasterKeyFromFile(config.dataDir, key.id);
  console.log(`removed ${ring.all.length - 1} old master key(s) from the key file`);
}
