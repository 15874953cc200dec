import { randomBytes } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";

import { z } from "zod";

import { verifyChain, type AuditEvent, type ChainHead, type ChainProblem } from "../crypto/audit-chain.js";
import type { AuditLogRepository } from "../db/repositories/audit-log.js";

export const AUDIT_HEAD_FILE = "audit-head.json";

const HeadFile = z.strictObject({ seq: z.number().int().positive(), hash: z.string().regex(/^[0-9a-f]{64}$/) });

/** What happened, as the services report it; the time is a Date and becomes the UTC timestamp of the entry. */
export type AuditInput = Omit<AuditEvent, "at"> & { at: Date };

export type AuditVerifyResult =
  { ok: true; count: number; headSeq: number } | { ok: false; seq: number | null; problem: ChainProblem };

const PAGE = 1000;

/**
 * The one writer of the audit log. Appends are queued in this process (and retried against other instances by the
 * repository), and after each one the head is also written to `DATA_DIR/audit-head.json`: removing entries from the
 * end of the table then no longer goes unnoticed.
 */
export class AuditTrail {
  private queue: Promise<unknown> = Promise.resolve();
  readonly headFile: string;

  constructor(
    private readonly repo: AuditLogRepository,
    dataDir: string,
  ) {
    this.headFile = path.join(dataDir, AUDIT_HEAD_FILE);
  }

  /** Resolves once the entry is stored; rejects when it could not be (the caller's operation then fails). */
  record(input: AuditInput): Promise<void> {
    const event: AuditEvent = { ...input, at: input.at.toISOString() };
    const appended = this.queue.then(async () => {
      const record = await this.repo.append(event);
      await this.writeHead({ seq: record.seq, hash: record.hash });
    });
    this.queue = appended.catch(() => undefined);
    return appended;
  }

  async verify(): Promise<AuditVerifyResult> {
    await this.queue;
    const anchor = await this.readHead();
    let after: ChainHead | undefined;
    let count = 0;
    let anchorSeen = false;
    for (;;) {
      const page = await this.repo.page(after?.seq ?? 0, PAGE);
      if (page.length === 0) break;
      const result = verifyChain(page, after ? { after } : {});
      if (!result.ok) return { ok: false, seq: result.seq, problem: result.problem };
      const atAnchor = anchor ? page.find((record) => record.seq === anchor.seq) : undefined;
      if (atAnchor) {
        if (atAnchor.hash !== anchor!.hash) return { ok: false, seq: anchor!.seq, problem: "changed" };
        anchorSeen = true;
      }
      count += page.length;
      after = result.head ?? undefined;
    }
    if (anchor && !anchorSeen) return { ok: false, seq: null, problem: "truncated" };
    return { ok: true, count, headSeq: after?.seq ?? 0 };
  }

  private async readHead(): Promise<ChainHead | null> {
    try {
      return HeadFile.parse(JSON.parse(await readFile(this.headFile, "utf8")));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }

  private async writeHead(head: ChainHead): Promise<void> {
    const known = await this.readHead().catch(() => null);
    if (known && known.seq >= head.seq) return;
    const temporary = `${this.headFile}.${randomBytes(6).toString("hex")}.tmp`;
    await writeFile(temporary, `${JSON.stringify(head)}\n`, { mode: 0o600 });
    await rename(temporary, this.headFile);
  }
}
