/**
 * Splits Prisma's `?schema=` parameter off a PostgreSQL URL: node-postgres does not know it, so the schema is
 * passed to the adapter (which qualifies queries with it) and set as the connection's search_path.
 */
export function parsePostgresUrl(url: string): { connectionString: string; schema: string } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get("schema") ?? "public";
  parsed.searchParams.delete("schema");
  return { connectionString: parsed.toString(), schema };
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** Schema names come from configuration; quoting keeps them from being read as SQL. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
