-- CreateTable
CREATE TABLE "occupancy_events" (
    "org_id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "site_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "at" BIGINT NOT NULL,
    "historical" BOOLEAN NOT NULL,
    "payload" TEXT NOT NULL,
    "gateway_id" TEXT NOT NULL,
    "received_at" BIGINT NOT NULL,

    PRIMARY KEY ("org_id", "event_id"),
    CONSTRAINT "occupancy_events_org_id_site_id_fkey" FOREIGN KEY ("org_id", "site_id") REFERENCES "sites" ("org_id", "id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "desk_current_states" (
    "org_id" TEXT NOT NULL,
    "site_id" TEXT NOT NULL,
    "desk_key" TEXT NOT NULL,
    "floor_key" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "since" BIGINT NOT NULL,
    "at" BIGINT NOT NULL,
    "event_id" TEXT NOT NULL,

    PRIMARY KEY ("org_id", "site_id", "desk_key"),
    CONSTRAINT "desk_current_states_org_id_site_id_fkey" FOREIGN KEY ("org_id", "site_id") REFERENCES "sites" ("org_id", "id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "room_current_states" (
    "org_id" TEXT NOT NULL,
    "site_id" TEXT NOT NULL,
    "room_key" TEXT NOT NULL,
    "floor_key" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "since" BIGINT NOT NULL,
    "at" BIGINT NOT NULL,
    "event_id" TEXT NOT NULL,

    PRIMARY KEY ("org_id", "site_id", "room_key"),
    CONSTRAINT "room_current_states_org_id_site_id_fkey" FOREIGN KEY ("org_id", "site_id") REFERENCES "sites" ("org_id", "id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "device_availability" (
    "org_id" TEXT NOT NULL,
    "site_id" TEXT NOT NULL,
    "device_key" TEXT NOT NULL,
    "availability" TEXT NOT NULL,
    "lifecycle" TEXT,
    "battery" REAL,
    "at" BIGINT NOT NULL,
    "event_id" TEXT NOT NULL,

    PRIMARY KEY ("org_id", "site_id", "device_key"),
    CONSTRAINT "device_availability_org_id_site_id_fkey" FOREIGN KEY ("org_id", "site_id") REFERENCES "sites" ("org_id", "id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "gateway_statuses" (
    "org_id" TEXT NOT NULL,
    "credential_id" TEXT NOT NULL,
    "site_id" TEXT NOT NULL,
    "last_contact_at" BIGINT NOT NULL,
    "newest_event_at" BIGINT,
    "events_stored" INTEGER NOT NULL DEFAULT 0,
    "outbox_depth" INTEGER,
    "oldest_unsent_at" BIGINT,
    "dropped_total" INTEGER,
    "status_at" BIGINT,

    PRIMARY KEY ("org_id", "credential_id"),
    CONSTRAINT "gateway_statuses_org_id_credential_id_fkey" FOREIGN KEY ("org_id", "credential_id") REFERENCES "machine_credentials" ("org_id", "id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "gateway_statuses_org_id_site_id_fkey" FOREIGN KEY ("org_id", "site_id") REFERENCES "sites" ("org_id", "id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "occupancy_events_org_id_site_id_at_idx" ON "occupancy_events"("org_id", "site_id", "at");

-- CreateIndex
CREATE INDEX "occupancy_events_org_id_site_id_subject_at_idx" ON "occupancy_events"("org_id", "site_id", "subject", "at");

-- CreateIndex
CREATE INDEX "gateway_statuses_org_id_site_id_idx" ON "gateway_statuses"("org_id", "site_id");
