-- DropTable
PRAGMA foreign_keys=off;
DROP TABLE "api_tokens";
PRAGMA foreign_keys=on;

-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "org_id" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "site_ids" TEXT,
    "platform_admin" BOOLEAN NOT NULL DEFAULT false,
    "name_enc" TEXT NOT NULL,
    "email_enc" TEXT NOT NULL,
    "email_index" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "token_version" INTEGER NOT NULL DEFAULT 0,
    "disabled_at" DATETIME,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "users_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organisations" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "refresh_tokens" (
    "hash" TEXT NOT NULL PRIMARY KEY,
    "family_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL,
    "family_created_at" DATETIME NOT NULL,
    "used_at" DATETIME,
    "revoked_at" DATETIME,
    CONSTRAINT "refresh_tokens_org_id_user_id_fkey" FOREIGN KEY ("org_id", "user_id") REFERENCES "users" ("org_id", "id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "revoked_jtis" (
    "jti" TEXT NOT NULL PRIMARY KEY,
    "expires_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "platform_state" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "epoch" INTEGER NOT NULL DEFAULT 0,
    "key_generation" INTEGER NOT NULL DEFAULT 0
);

-- CreateTable
CREATE TABLE "signing_keys" (
    "kid" TEXT NOT NULL PRIMARY KEY,
    "status" TEXT NOT NULL,
    "public_jwk" TEXT NOT NULL,
    "sealed_private_jwk" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    "retired_at" TEXT
);

-- CreateTable
CREATE TABLE "data_keys" (
    "owner_id" TEXT NOT NULL,
    "key_id" TEXT NOT NULL,
    "generation" INTEGER NOT NULL,
    "wrapped" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL,

    PRIMARY KEY ("owner_id", "key_id")
);

-- CreateTable
CREATE TABLE "key_access_log" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL,
    "actor" TEXT NOT NULL,
    "owner_id" TEXT NOT NULL,
    "key_id" TEXT NOT NULL,
    "master_key_id" TEXT NOT NULL,
    "operation" TEXT NOT NULL,
    "purpose" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "machine_credentials" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "org_id" TEXT NOT NULL,
    "site_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "scopes" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "hint" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" DATETIME,
    "revoked_at" DATETIME,
    "last_used_at" DATETIME,
    CONSTRAINT "machine_credentials_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organisations" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "machine_credentials_org_id_site_id_fkey" FOREIGN KEY ("org_id", "site_id") REFERENCES "sites" ("org_id", "id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "audit_log" (
    "seq" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "org_id" TEXT,
    "target" TEXT,
    "outcome" TEXT,
    "details" TEXT,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "users_email_index_key" ON "users"("email_index");

-- CreateIndex
CREATE UNIQUE INDEX "users_org_id_id_key" ON "users"("org_id", "id");

-- CreateIndex
CREATE INDEX "refresh_tokens_family_id_idx" ON "refresh_tokens"("family_id");

-- CreateIndex
CREATE INDEX "refresh_tokens_user_id_idx" ON "refresh_tokens"("user_id");

-- CreateIndex
CREATE INDEX "revoked_jtis_expires_at_idx" ON "revoked_jtis"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "data_keys_owner_id_generation_key" ON "data_keys"("owner_id", "generation");

-- CreateIndex
CREATE INDEX "key_access_log_owner_id_at_idx" ON "key_access_log"("owner_id", "at");

-- CreateIndex
CREATE UNIQUE INDEX "machine_credentials_hash_key" ON "machine_credentials"("hash");

-- CreateIndex
CREATE INDEX "machine_credentials_org_id_idx" ON "machine_credentials"("org_id");

-- CreateIndex
CREATE UNIQUE INDEX "machine_credentials_org_id_id_key" ON "machine_credentials"("org_id", "id");

-- CreateIndex
CREATE INDEX "audit_log_org_id_seq_idx" ON "audit_log"("org_id", "seq");
