import type { Db } from "../database.js";
import { isUniqueViolation } from "../errors.js";

const PLATFORM_ROW = 1;

export interface PlatformState {
  /** unix seconds; access tokens issued before it are void */
  epoch: number;
  keyGeneration: number;
}

export function revocationRepository(db: Db) {
  return {
    async platformState(): Promise<PlatformState> {
      const row = await db.platformState.findUnique({ where: { id: PLATFORM_ROW } });
      return { epoch: row?.epoch ?? 0, keyGeneration: row?.keyGeneration ?? 0 };
    },

    /** Moves the epoch forward (never back) and counts a key generation. */
    async advancePlatform(epoch: number): Promise<PlatformState> {
      const current = await this.platformState();
      const next = { epoch: Math.max(current.epoch, epoch), keyGeneration: current.keyGeneration + 1 };
      await db.platformState.upsert({
        where: { id: PLATFORM_ROW },
        create: { id: PLATFORM_ROW, ...next },
        update: next,
      });
      return next;
    },

    async denyJti(jti: string, expiresAt: Date, now: Date): Promise<void> {
      try {
        await db.revokedJti.create({ data: { jti, expiresAt } });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
      // Entries are only needed until the token would have expired anyway.
      await db.revokedJti.deleteMany({ where: { expiresAt: { lt: now } } });
    },

    async jtiDenied(jti: string): Promise<boolean> {
      return (await db.revokedJti.findUnique({ where: { jti }, select: { jti: true } })) !== null;
    },
  };
}
export type RevocationRepository = ReturnType<typeof revocationRepository>;
