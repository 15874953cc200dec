import { randomUUID } from "node:crypto";

import { Prisma } from "./generated/sqlite/client.js";

type Value = string | number | boolean | null;

/** Rows per statement: 8 columns × 500 stays far below SQLite's and PostgreSQL's parameter limits. */
const CHUNK = 500;

/**
 * Multi-row INSERTs for the rows a publish creates (up to 20,000 desks). Prisma's createMany costs about 0.3 ms per
 * row through the driver adapters, so a big floor would take seconds; this takes a few hundred milliseconds. Table
 * and column names come from the code, values are always parameters.
 */
export async function insertRows(
  tx: Prisma.TransactionClient,
  table: string,
  columns: readonly string[],
  rows: readonly Value[][],
): Promise<void> {
  const head = Prisma.raw(`INSERT INTO "${table}" (id, ${columns.map((column) => `"${column}"`).join(", ")}) VALUES `);
  for (let i = 0; i < rows.length; i += CHUNK) {
    const values = rows.slice(i, i + CHUNK).map((row) => Prisma.sql`(${Prisma.join([randomUUID(), ...row])})`);
    await tx.$executeRaw`${head}${Prisma.join(values)}`;
  }
}
