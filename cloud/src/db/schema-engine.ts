import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import type { MigrationList, SchemaEngine } from "@prisma/schema-engine-wasm";
import type * as GlueModule from "@prisma/schema-engine-wasm/schema_engine_bg";

type Glue = typeof GlueModule;

/** Node has WebAssembly at run time; @types/node 20 does not declare it. */
declare const WebAssembly: {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, unknown>,
  ): Promise<{ instance: { exports: { __wbindgen_start: () => void } } }>;
};

let gluePromise: Promise<Glue> | undefined;

/**
 * Node 20 cannot import the package's `.wasm` entry, so the module is instantiated here with the wasm-bindgen glue
 * as its import object (DESIGN §7). Once per process: the glue holds the instance in module state.
 */
function loadGlue(): Promise<Glue> {
  gluePromise ??= (async () => {
    const require = createRequire(import.meta.url);
    const gluePath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const glue = await import("@prisma/schema-engine-wasm/schema_engine_bg");
    const bytes = await readFile(path.join(path.dirname(gluePath), "schema_engine_bg.wasm"));
    const { instance } = await WebAssembly.instantiate(bytes, { "./schema_engine_bg.js": glue });
    glue.__wbg_set_wasm(instance.exports);
    instance.exports.__wbindgen_start();
    return glue;
  })();
  return gluePromise;
}

export interface OpenSchemaEngine {
  engine: SchemaEngine;
  /** Frees the engine and closes its connections: freeing alone leaves SQLite locked in exclusive mode. */
  close: () => Promise<void>;
}

export async function openSchemaEngine(
  schema: string,
  factory: SqlMigrationAwareDriverAdapterFactory,
  log: (message: string) => void,
): Promise<OpenSchemaEngine> {
  const glue = await loadGlue();
  const opened: SqlDriverAdapter[] = [];
  const tracked: SqlMigrationAwareDriverAdapterFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => remember(await factory.connect()),
    connectToShadowDb: async () => remember(await factory.connectToShadowDb()),
  };
  function remember(adapter: SqlDriverAdapter): SqlDriverAdapter {
    opened.push(adapter);
    return adapter;
  }
  const engine = await glue.SchemaEngine.new(
    { datamodels: [["schema.prisma", schema]] },
    log,
    bindMigrationAwareSqlAdapterFactory(tracked),
  );
  return {
    engine,
    close: async () => {
      engine.free();
      await Promise.all(opened.splice(0).map((adapter) => adapter.dispose()));
    },
  };
}

export const NO_FILTERS = { externalTables: [], externalEnums: [] };

/** Reads a migrations directory the way `prisma migrate deploy` does. */
export async function readMigrations(dir: string): Promise<MigrationList> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const directories = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const lockPath = path.join(dir, "migration_lock.toml");
  return {
    baseDir: dir,
    lockfile: { path: "migration_lock.toml", content: await readFile(lockPath, "utf8").catch(() => null) },
    shadowDbInitScript: "",
    migrationDirectories: await Promise.all(
      directories.map(async (name) => ({
        path: name,
        migrationFile: {
          path: "migration.sql",
          content: await readFile(path.join(dir, name, "migration.sql"), "utf8").then(
            (text) => ({ tag: "ok" as const, value: text }),
            (error: Error) => ({ tag: "error" as const, value: error.message }),
          ),
        },
      })),
    ),
  };
}

/**
 * The SQL that takes a database from schema `from` (null: an empty database) to schema `to`, or null when they
 * agree. Two schema files are compared; the engine only asks the connection for the server's version.
 */
export async function diffSchemas(
  factory: SqlMigrationAwareDriverAdapterFactory,
  from: string | null,
  to: string,
): Promise<string | null> {
  const { engine, close } = await openSchemaEngine(to, factory, () => undefined);
  try {
    const { stdout } = await engine.diff({
      from:
        from === null
          ? { tag: "empty" }
          : { tag: "schemaDatamodel", files: [{ path: "schema.prisma", content: from }] },
      to: { tag: "schemaDatamodel", files: [{ path: "schema.prisma", content: to }] },
      script: true,
      exitCode: null,
      filters: NO_FILTERS,
    });
    const sql = stdout ?? "";
    return sql.trim() === "" || sql.includes("-- This is an empty migration.") ? null : sql;
  } finally {
    await close();
  }
}
