/**
 * Password hashing benchmark, in one run:
 *
 * (i) argon2id with the product's parameters (`PasswordHasher` / `ARGON2_PARAMS`), in this process: hash, verify
 *     and the dummy verification spent on unknown users, one at a time (one core), after a warm-up; median, p95
 *     and operations per second. Baseline: one SHA-256 of the same password, so "argon2id costs N× a SHA-256"
 *     (the point of a slow hash).
 * (ii) Sign-in over HTTPS against the real cloud (its CLI entry in a child process, SQLite in a temporary
 *     DATA_DIR): POST /api/v1/auth/login for an unknown e-mail, the seeded admin with a wrong password and with the
 *     right one (DATA_DIR/cloud-admin-password). Target: median(unknown) / median(wrong) within 0.8–1.25 (the
 *     product promises the same answer after the same work). Baseline: the right password against the unknown
 *     user (a session is created on top of the same argon2 work).
 *
 * The brute-force throttle keeps the product's defaults (it has no configuration or environment variable; 3 free
 * attempts per account, 20 per address, each attempt counted up front, a success taking its own back and clearing
 * the account). The sample stays inside the free attempts: each unknown attempt names a fresh e-mail (its own
 * account key), every round holds one successful sign-in of the admin (which clears the account's count, so the
 * admin never has more than 2 counted failures), and the source address moves to the next 127.0.0.x (loopback) every
 * ROUNDS_PER_ADDRESS rounds (+2 per round, so at most 2 × ROUNDS_PER_ADDRESS + 1 counted per address). A 429, or
 * any other unexpected status, aborts the run: it is never counted as a sample.
 *
 * Writes bench-results/password-hash.json.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";

import { ARGON2_PARAMS, PasswordHasher } from "../../cloud/src/identity/password-hash.js";
import { SEED_ADMIN_EMAIL } from "../support/link.js";
import { freePort, ROOT, startCloudProcess, type CloudProcess } from "../support/processes.js";
import { percentile, round } from "../support/stats.js";

const WARMUP = 3;
const SAMPLES = 30;
const SHA_BATCH = 2_000;
const LOGIN_WARMUP_ROUNDS = 3;
/** 2 counted attempts per round per address: 2 × 6 + 1 = 13 at most, below the 20 free ones. */
const ROUNDS_PER_ADDRESS = 6;
const ADDRESS_FREE_ATTEMPTS = 20;
const TARGET_RATIO = { min: 0.8, max: 1.25 };

interface Stats {
  samples: number;
  medianMs: number;
  p95Ms: number;
}

function stats(samples: readonly number[], digits = 1): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    medianMs: round(percentile(sorted, 50), digits),
    p95Ms: round(percentile(sorted, 95), digits),
  };
}

/** Time of one awaited call, in ms. */
async function time(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/** The three operations interleaved, one of each per round, so that load from elsewhere falls on all of them alike. */
async function measureArgon2(password: string) {
  const hasher = new PasswordHasher();
  await hasher.warmUp();
  const phc = await hasher.hash(password);
  const samples = { hash: [] as number[], verify: [] as number[], dummyVerify: [] as number[] };
  for (let i = -WARMUP; i < SAMPLES; i++) {
    const hash = await time(() => hasher.hash(password));
    const verify = await time(async () => {
      if (!(await hasher.verify(phc, password))) throw new Error("argon2 verification of the right password failed");
    });
    const dummyVerify = await time(() => hasher.verifyAgainstDummy(password));
    if (i < 0) continue;
    samples.hash.push(hash);
    samples.verify.push(verify);
    samples.dummyVerify.push(dummyVerify);
  }
  return { phc, hash: stats(samples.hash), verify: stats(samples.verify), dummyVerify: stats(samples.dummyVerify) };
}

/** One SHA-256 of the password, in µs: batches of SHA_BATCH (a single one is below the timer's resolution). */
function measureSha256(password: string): { samples: number; medianUs: number; p95Us: number } {
  const perHash: number[] = [];
  for (let batch = -WARMUP; batch < SAMPLES; batch++) {
    const started = performance.now();
    for (let i = 0; i < SHA_BATCH; i++) createHash("sha256").update(password).digest();
    if (batch >= 0) perHash.push(((performance.now() - started) * 1000) / SHA_BATCH);
  }
  const sorted = perHash.sort((a, b) => a - b);
  return {
    samples: sorted.length,
    medianUs: round(percentile(sorted, 50), 2),
    p95Us: round(percentile(sorted, 95), 2),
  };
}

type LoginKind = "unknown" | "wrong" | "right";
const EXPECTED_STATUS: Record<LoginKind, number> = { unknown: 401, wrong: 401, right: 200 };
/** Every order of the three kinds, one per round in turn, so none always goes first or follows another. */
const ORDERS: LoginKind[][] = [
  ["unknown", "wrong", "right"],
  ["wrong", "right", "unknown"],
  ["right", "unknown", "wrong"],
  ["unknown", "right", "wrong"],
  ["wrong", "unknown", "right"],
  ["right", "wrong", "unknown"],
];

class ThrottledError extends Error {
  override name = "ThrottledError";
}

/** One request on a kept-alive connection from `localAddress`; the time is from sending to the last byte. */
function timedRequest(
  cloud: CloudProcess,
  agent: Agent,
  localAddress: string,
  method: "GET" | "POST",
  path: string,
  json?: unknown,
): Promise<{ status: number; ms: number; text: string; retryAfter?: string }> {
  return new Promise((answer, fail) => {
    const body = json === undefined ? undefined : JSON.stringify(json);
    const started = performance.now();
    request(
      `${cloud.url}${path}`,
      {
        method,
        agent,
        ca: cloud.ca,
        localAddress,
        headers: body === undefined ? {} : { "content-type": "application/json" },
      },
      (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () => {
          const retryAfter = res.headers["retry-after"];
          answer({
            status: res.statusCode ?? 0,
            ms: performance.now() - started,
            text,
            ...(retryAfter !== undefined ? { retryAfter } : {}),
          });
        });
      },
    )
      .on("error", fail)
      .end(body);
  });
}

async function measureLogins(cloud: CloudProcess, adminPassword: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const samples: Record<LoginKind, number[]> = { unknown: [], wrong: [], right: [] };
  const rounds = LOGIN_WARMUP_ROUNDS + SAMPLES;
  const addresses: string[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const addressIndex = Math.floor(r / ROUNDS_PER_ADDRESS);
      const localAddress = `127.0.0.${10 + addressIndex}`;
      if (r % ROUNDS_PER_ADDRESS === 0) {
        addresses.push(localAddress);
        // opens the connection (TLS handshake) outside the measured requests
        const health = await timedRequest(cloud, agent, localAddress, "GET", "/api/v1/health");
        if (health.status !== 200) throw new Error(`health check from ${localAddress}: ${health.status}`);
      }
      for (const kind of ORDERS[r % ORDERS.length]!) {
        const credentials =
          kind === "unknown"
            ? { email: `nobody-${r}-${randomBytes(4).toString("hex")}@example.com`, password: "Wrong password 1" }
            : { email: SEED_ADMIN_EMAIL, password: kind === "right" ? adminPassword : "Wrong password 1" };
        const response = await timedRequest(cloud, agent, localAddress, "POST", "/api/v1/auth/login", credentials);
        if (response.status === 429) {
          throw new ThrottledError(
            `login (${kind}) from ${localAddress} in round ${r} was throttled (429, Retry-After ` +
              `${response.retryAfter ?? "?"}): the sample would time the throttle, not the sign-in`,
          );
        }
        if (response.status !== EXPECTED_STATUS[kind]) {
          throw new Error(
            `login (${kind}): expected ${EXPECTED_STATUS[kind]}, got ${response.status} ${response.text}`,
          );
        }
        if (r >= LOGIN_WARMUP_ROUNDS) samples[kind].push(response.ms);
      }
    }
  } finally {
    agent.destroy();
  }
  return {
    addresses,
    unknownEmail: stats(samples.unknown),
    wrongPassword: stats(samples.wrong),
    rightPassword: stats(samples.right),
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const resultFile = join(ROOT, "bench-results", "password-hash.json");
  // a failed run must not leave the previous run's result behind for run.ts to report
  rmSync(resultFile, { force: true });
  const work = mkdtempSync(join(tmpdir(), "password-hash-bench-"));
  let cloud: CloudProcess | null = null;
  try {
    const password = "correct horse battery staple 42";
    const sha256 = measureSha256(password);
    const argon2 = await measureArgon2(password);
    const perCore = (ms: number): number => round(1000 / ms, 1);
    console.log(
      `argon2id ${argon2.phc.split("$").slice(1, 4).join(" ")}: hash median ${argon2.hash.medianMs} ms ` +
        `(p95 ${argon2.hash.p95Ms}), verify ${argon2.verify.medianMs} ms (p95 ${argon2.verify.p95Ms}), ` +
        `dummy verify ${argon2.dummyVerify.medianMs} ms (p95 ${argon2.dummyVerify.p95Ms}); sha-256 ${sha256.medianUs} µs`,
    );

    const dataDir = join(work, "cloud");
    cloud = await startCloudProcess({ dataDir, port: await freePort() });
    const adminPassword = readFileSync(join(dataDir, "cloud-admin-password"), "utf8").trim();
    const login = await measureLogins(cloud, adminPassword);

    const unknownVsWrong = round(login.unknownEmail.medianMs / login.wrongPassword.medianMs, 3);
    const rightVsUnknown = round(login.rightPassword.medianMs / login.unknownEmail.medianMs, 3);
    const argon2VsSha256 = Math.round((argon2.hash.medianMs * 1000) / sha256.medianUs);
    const results = {
      /** other work on the machine during the run (2 cores shared with other tests) */
      loadAverage1m: round(loadavg()[0] ?? 0, 2),
      argon2id: {
        params: {
          memoryKiB: ARGON2_PARAMS.memoryCost,
          timeCost: ARGON2_PARAMS.timeCost,
          parallelism: ARGON2_PARAMS.parallelism,
        },
        hash: argon2.hash,
        verify: argon2.verify,
        dummyVerify: argon2.dummyVerify,
        hashesPerSecondOneCore: perCore(argon2.hash.medianMs),
        verificationsPerSecondOneCore: perCore(argon2.verify.medianMs),
      },
      sha256,
      argon2VsSha256,
      login: {
        ...login,
        unknownVsWrong,
        rightVsUnknown,
        throttle:
          `product defaults (account 3, address ${ADDRESS_FREE_ATTEMPTS} free attempts); fresh e-mail per unknown ` +
          `attempt, one successful admin sign-in per round, source address rotated every ${ROUNDS_PER_ADDRESS} ` +
          `rounds over ${login.addresses.length} addresses; no 429 in the sample`,
      },
    };
    const pass = unknownVsWrong >= TARGET_RATIO.min && unknownVsWrong <= TARGET_RATIO.max;
    const line = (label: string, s: Stats): string =>
      `${label.padEnd(24)} median ${String(s.medianMs).padStart(6)} ms  p95 ${String(s.p95Ms).padStart(6)} ms`;

    console.log(
      `\npassword hashing (${round((Date.now() - started) / 1000)} s, ${SAMPLES} samples each, ` +
        `load average ${results.loadAverage1m}):`,
    );
    console.log(
      `argon2id m=${ARGON2_PARAMS.memoryCost} KiB, t=${ARGON2_PARAMS.timeCost}, p=${ARGON2_PARAMS.parallelism}:`,
    );
    console.log(`  ${line("hash", argon2.hash)}  = ${results.argon2id.hashesPerSecondOneCore} hashes/s on one core`);
    console.log(
      `  ${line("verify", argon2.verify)}  = ${results.argon2id.verificationsPerSecondOneCore} verifications/s on one core`,
    );
    console.log(`  ${line("dummy verify (unknown)", argon2.dummyVerify)}`);
    console.log(`  sha-256 of the same password: median ${sha256.medianUs} µs (p95 ${sha256.p95Us} µs)`);
    console.log(`  argon2id costs ${argon2VsSha256.toLocaleString("en")}× a SHA-256`);
    console.log(`POST /api/v1/auth/login over HTTPS (cloud child process, SQLite, kept-alive connection):`);
    console.log(`  ${line("unknown e-mail (401)", login.unknownEmail)}`);
    console.log(`  ${line("wrong password (401)", login.wrongPassword)}`);
    console.log(`  ${line("right password (200)", login.rightPassword)}`);
    console.log(
      `  unknown / wrong = ${unknownVsWrong} (target ${TARGET_RATIO.min}–${TARGET_RATIO.max}); ` +
        `right / unknown = ${rightVsUnknown} (the session on top of the same argon2 work)`,
    );
    console.log(`  throttle: ${results.login.throttle}`);
    console.log(pass ? "targets met" : "targets MISSED");

    mkdirSync(join(ROOT, "bench-results"), { recursive: true });
    writeFileSync(
      resultFile,
      JSON.stringify(
        {
          name: "password-hash",
          results,
          targets: {
            unknownVsWrong: `${TARGET_RATIO.min}–${TARGET_RATIO.max}`,
            throttled: "no 429 in the measured sample (a 429 aborts the run)",
          },
          pass,
        },
        null,
        2,
      ),
    );
  } finally {
    await cloud?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
