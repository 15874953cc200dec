-- CreateTable
CREATE TABLE "organisations" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "organisations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "organisation_settings" (
    "org_id" TEXT NOT NULL,
    "max_advance_days" INTEGER NOT NULL DEFAULT 14,
    "max_bookings_per_day" INTEGER NOT NULL DEFAULT 1,
    "min_booking_minutes" INTEGER NOT NULL DEFAULT 30,
    "max_booking_minutes" INTEGER NOT NULL DEFAULT 600,
    "check_in_grace_minutes" INTEGER NOT NULL DEFAULT 15,
    "auto_release_no_shows" BOOLEAN NOT NULL DEFAULT true,
    "show_names_on_kiosk" BOOLEAN NOT NULL DEFAULT false,
    "allow_self_anonymise" BOOLEAN NOT NULL DEFAULT true,
    "anonymise_bookings_after_days" INTEGER NOT NULL DEFAULT 30,
    "reading_retention_days" INTEGER NOT NULL DEFAULT 30,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "organisation_settings_pkey" PRIMARY KEY ("org_id")
);

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "scopes" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3),
    "revoked_at" TIMESTAMP(3),

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sites" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "time_zone" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sites_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "floors" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "site_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "level" INTEGER NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "floors_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "floor_plan_versions" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "floor_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "document" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_by" TEXT,
    "published_at" TIMESTAMP(3),

    CONSTRAINT "floor_plan_versions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "zones" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "version_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "colour" TEXT NOT NULL,

    CONSTRAINT "zones_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "desks" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "version_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "zone_key" TEXT,
    "equipment" TEXT NOT NULL,
    "accessible" BOOLEAN NOT NULL,

    CONSTRAINT "desks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rooms" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "version_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "capacity" INTEGER NOT NULL,

    CONSTRAINT "rooms_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "floor_images" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "floor_id" TEXT NOT NULL,
    "content_type" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "data" BYTEA NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "floor_images_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "api_tokens_org_id_idx" ON "api_tokens"("org_id");

-- CreateIndex
CREATE UNIQUE INDEX "sites_org_id_key_key" ON "sites"("org_id", "key");

-- CreateIndex
CREATE UNIQUE INDEX "sites_org_id_id_key" ON "sites"("org_id", "id");

-- CreateIndex
CREATE INDEX "floors_org_id_site_id_idx" ON "floors"("org_id", "site_id");

-- CreateIndex
CREATE UNIQUE INDEX "floors_site_id_key_key" ON "floors"("site_id", "key");

-- CreateIndex
CREATE UNIQUE INDEX "floors_org_id_id_key" ON "floors"("org_id", "id");

-- CreateIndex
CREATE INDEX "floor_plan_versions_org_id_floor_id_status_idx" ON "floor_plan_versions"("org_id", "floor_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "floor_plan_versions_floor_id_version_key" ON "floor_plan_versions"("floor_id", "version");

-- CreateIndex
CREATE UNIQUE INDEX "floor_plan_versions_org_id_id_key" ON "floor_plan_versions"("org_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "zones_version_id_key_key" ON "zones"("version_id", "key");

-- CreateIndex
CREATE UNIQUE INDEX "desks_version_id_key_key" ON "desks"("version_id", "key");

-- CreateIndex
CREATE UNIQUE INDEX "rooms_version_id_key_key" ON "rooms"("version_id", "key");

-- CreateIndex
CREATE INDEX "floor_images_org_id_floor_id_idx" ON "floor_images"("org_id", "floor_id");

-- CreateIndex
CREATE UNIQUE INDEX "floor_images_org_id_id_key" ON "floor_images"("org_id", "id");

-- AddForeignKey
ALTER TABLE "organisation_settings" ADD CONSTRAINT "organisation_settings_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organisations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organisations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sites" ADD CONSTRAINT "sites_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organisations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "floors" ADD CONSTRAINT "floors_org_id_site_id_fkey" FOREIGN KEY ("org_id", "site_id") REFERENCES "sites"("org_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "floor_plan_versions" ADD CONSTRAINT "floor_plan_versions_org_id_floor_id_fkey" FOREIGN KEY ("org_id", "floor_id") REFERENCES "floors"("org_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "zones" ADD CONSTRAINT "zones_org_id_version_id_fkey" FOREIGN KEY ("org_id", "version_id") REFERENCES "floor_plan_versions"("org_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "desks" ADD CONSTRAINT "desks_org_id_version_id_fkey" FOREIGN KEY ("org_id", "version_id") REFERENCES "floor_plan_versions"("org_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rooms" ADD CONSTRAINT "rooms_org_id_version_id_fkey" FOREIGN KEY ("org_id", "version_id") REFERENCES "floor_plan_versions"("org_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "floor_images" ADD CONSTRAINT "floor_images_org_id_floor_id_fkey" FOREIGN KEY ("org_id", "floor_id") REFERENCES "floors"("org_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;
