/**
 * Checks the audit log's hash chain (and the head kept in DATA_DIR/audit-head.json); exits 1 on a problem.
 * Usage: npm run audit:verify -w cloud
 */
import { withCloud } from "./common.js";

const result = await withCloud(({ access }) => access.audit.verify());
if (result.ok) {
  console.log(`audit log intact: ${result.count} entries, head at ${result.headSeq}`);
} else {
  console.error(`audit log damaged: ${result.problem} at entry ${result.seq ?? "(end)"}`);
  process.exitCode = 1;
}
