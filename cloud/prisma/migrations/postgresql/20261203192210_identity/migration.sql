-- DropForeignKey
ALTER TABLE "api_tokens" DROP CONSTRAINT "api_tokens_org_id_fkey";

-- DropTable
DROP TABLE "api_tokens";

-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "site_ids" TEXT,
    "platform_admin" BOOLEAN NOT NULL DEFAULT false,
    "name_enc" TEXT NOT NULL,
    "email_enc" TEXT NOT NULL,
    "email_index" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "token_version" INTEGER NOT NULL DEFAULT 0,
    "disabled_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "refresh_tokens" (
    "hash" TEXT NOT NULL,
    "family_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,
    "family_created_at" TIMESTAMP(3) NOT NULL,
    "used_at" TIMESTAMP(3),
    "revoked_at" TIMESTAMP(3),

    CONSTRAINT "refresh_tokens_pkey" PRIMARY KEY ("hash")
);

-- CreateTable
CREATE TABLE "revoked_jtis" (
    "jti" TEXT NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "revoked_jtis_pkey" PRIMARY KEY ("jti")
);

-- CreateTable
CREATE TABLE "platform_state" (
    "id" INTEGER NOT NULL,
    "epoch" INTEGER NOT NULL DEFAULT 0,
    "key_generation" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "platform_state_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "signing_keys" (
    "kid" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "public_jwk" TEXT NOT NULL,
    "sealed_private_jwk" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    "retired_at" TEXT,

    CONSTRAINT "signing_keys_pkey" PRIMARY KEY ("kid")
);

-- CreateTable
CREATE TABLE "data_keys" (
    "owner_id" TEXT NOT NULL,
    "key_id" TEXT NOT NULL,
    "generation" INTEGER NOT NULL,
    "wrapped" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "data_keys_pkey" PRIMARY KEY ("owner_id","key_id")
);

-- CreateTable
CREATE TABLE "key_access_log" (
    "id" SERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "actor" TEXT NOT NULL,
    "owner_id" TEXT NOT NULL,
    "key_id" TEXT NOT NULL,
    "master_key_id" TEXT NOT NULL,
    "operation" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,

    CONSTRAINT "key_access_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "machine_credentials" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "site_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "scopes" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "hint" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3),
    "revoked_at" TIMESTAMP(3),
    "last_used_at" TIMESTAMP(3),

    CONSTRAINT "machine_credentials_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "seq" INTEGER NOT NULL,
    "at" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "org_id" TEXT,
    "target" TEXT,
    "outcome" TEXT,
    "details" TEXT,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("seq")
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

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organisations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refresh_tokens" ADD CONSTRAINT "refresh_tokens_org_id_user_id_fkey" FOREIGN KEY ("org_id", "user_id") REFERENCES "users"("org_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "machine_credentials" ADD CONSTRAINT "machine_credentials_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organisations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "machine_credentials" ADD CONSTRAINT "machine_credentials_org_id_site_id_fkey" FOREIGN KEY ("org_id", "site_id") REFERENCES "sites"("org_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;
