import path from "node:path";

import { describe, expect, it } from "vitest";

import { ConfigError, DEFAULT_SEED_PLAN_FILES, loadCloudConfig } from "./config.js";

describe("loadCloudConfig", () => {
  it("defaults to HTTPS on 9443, SQLite in ./data and the sample plans", () => {
    const config = loadCloudConfig({});
    expect(config.dataDir).toBe(path.resolve("./data"));
    expect(config.https).toEqual({ host: "0.0.0.0", port: 9443 });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.seed).toEqual({
      enabled: true,
      planFiles: DEFAULT_SEED_PLAN_FILES,
      adminEmail: "admin@example.com",
    });
    expect(config.masterKey).toBeUndefined();
    expect(config.auth).toMatchObject({ accessTokenSeconds: 600, sessionIdleMinutes: 60, sessionMaxHours: 24 });
    expect(config.limits).toEqual({ jsonBytes: 1048576, floorPlanBytes: 5242880, imageBytes: 2097152 });
    expect(DEFAULT_SEED_PLAN_FILES.every((file) => file.endsWith(".json") && file.includes("floorplans"))).toBe(true);
  });

  it("takes DATA_DIR, DATABASE_URL and DESK_CLOUD_* variables", () => {
    const config = loadCloudConfig({
      DATA_DIR: "/tmp/cloud-data",
      DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/test",
      DESK_CLOUD_HTTPS_PORT: "0",
      DESK_CLOUD_HTTPS_CERT_FILE: "/etc/cert.pem",
      DESK_CLOUD_HTTPS_KEY_FILE: "/etc/key.pem",
      DESK_CLOUD_LIVE_ORIGINS: "https://console.example.com, https://ops.example.com",
      DESK_CLOUD_SEED_ENABLED: "false",
      DESK_CLOUD_LIMITS_IMAGE_BYTES: "1000",
      DESK_CLOUD_REDIS_URL: "redis://127.0.0.1:6379",
      DESK_CLOUD_AUTH_ACCESS_TOKEN_SECONDS: "300",
      DESK_CLOUD_SEED_ADMIN_EMAIL: "ops@example.org",
      DESK_CLOUD_CLOCK_ANCHOR: "1000:2000:60",
    });
    expect(config).toMatchObject({
      dataDir: "/tmp/cloud-data",
      databaseUrl: "postgresql://postgres@127.0.0.1:5432/test",
      https: { port: 0, certFile: "/etc/cert.pem", keyFile: "/etc/key.pem" },
      liveOrigins: ["https://console.example.com", "https://ops.example.com"],
      seed: { enabled: false },
      limits: { imageBytes: 1000 },
      redisUrl: "redis://127.0.0.1:6379",
      auth: { accessTokenSeconds: 300 },
      clockAnchor: { realMs: 1000, virtualMs: 2000, speed: 60 },
    });
    expect(config.seed.adminEmail).toBe("ops@example.org");
  });

  it("reports every problem at once", () => {
    let error: unknown;
    try {
      loadCloudConfig({
        DESK_CLOUD_HTTPS_PORT: "70000",
        DATABASE_URL: "mysql://nope",
        DESK_CLOUD_SEED_ENABLED: "yes",
        DESK_CLOUD_LIVE_ORIGINS: "not a url",
        DESK_CLOUD_HTTPS_CERT_FILE: "/only/cert.pem",
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join("\n");
    expect(problems).toContain("DESK_CLOUD_SEED_ENABLED");
    expect(problems).toContain("https.port");
    expect(problems).toContain("databaseUrl");
    expect(problems).toContain("liveOrigins");
    expect((error as ConfigError).problems.length).toBeGreaterThanOrEqual(4);
  });

  it("insists on certificate and key together", () => {
    expect(() => loadCloudConfig({ DESK_CLOUD_HTTPS_CERT_FILE: "/only/cert.pem" })).toThrow(/certFile and keyFile/);
  });
});
