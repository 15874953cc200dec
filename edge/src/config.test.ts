import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { describe, expect, it } from "vitest";

import { ConfigError, loadEdgeConfig, REPO_ROOT } from "./config.js";

describe("loadEdgeConfig", () => {
  it("has working defaults", () => {
    const config = loadEdgeConfig({});
    expect(config).toMatchObject({
      siteId: "hq",
      mqtt: { port: 1884 },
      https: { port: 8443 },
      retentionDays: 30,
      batch: { maxRows: 500, maxMs: 50 },
      occupancy: { deskHoldMs: 600_000, roomHoldMs: 300_000 },
      clockAnchor: { speed: 1 },
    });
    expect(config.mqtt.url).toBeUndefined();
    expect(config.kioskDir).toBe(path.join(REPO_ROOT, "kiosk", "dist"));
    expect(config.dataDir).toBe(path.resolve("data"));
  });

  it("layers a JSON file under the environment", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "edge-config-"));
    const file = path.join(dir, "edge.json");
    writeFileSync(file, JSON.stringify({ siteId: "berlin", occupancy: { deskHoldMs: 1000 }, https: { port: 9443 } }));
    const config = loadEdgeConfig(
      {
        DESK_EDGE_CONFIG: file,
        DESK_EDGE_HTTPS_PORT: "0",
        DESK_EDGE_MQTT_URL: "mqtt://127.0.0.1:1883",
        DESK_EDGE_CLOCK_ANCHOR: "1000:2000:60",
        DATA_DIR: dir,
      },
      undefined,
    );
    expect(config).toMatchObject({
      siteId: "berlin",
      dataDir: dir,
      occupancy: { deskHoldMs: 1000, roomHoldMs: 300_000 },
      https: { port: 0 },
      mqtt: { url: "mqtt://127.0.0.1:1883" },
      clockAnchor: { realMs: 1000, virtualMs: 2000, speed: 60 },
    });
  });

  it("reports every problem at once, naming the variable to change", () => {
    let error: unknown;
    try {
      loadEdgeConfig({
        DESK_EDGE_HTTPS_PORT: "70000",
        DESK_EDGE_SITE_ID: "a/b",
        DESK_EDGE_CLOCK_ANCHOR: "soon",
        DESK_EDGE_MQTT_URL: "http://x",
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join("\n");
    expect(problems).toMatch(/DESK_EDGE_HTTPS_PORT/);
    expect(problems).toMatch(/DESK_EDGE_SITE_ID/);
    expect(problems).toMatch(/DESK_EDGE_CLOCK_ANCHOR/);
    expect(problems).toMatch(/DESK_EDGE_MQTT_URL/);
  });

  it("links to the cloud only when told where, and then needs the credential file", () => {
    const standalone = loadEdgeConfig({}).cloud;
    expect(standalone.url).toBeUndefined();
    expect(standalone.sendReadings).toBe(true);
    const linked = loadEdgeConfig({
      DESK_EDGE_CLOUD_URL: "https://cloud.example:9443",
      DESK_EDGE_CLOUD_TOKEN_FILE: "/etc/desk/gateway-credential",
      DESK_EDGE_CLOUD_SEND_READINGS: "false",
      DESK_EDGE_OUTBOX_MAX_ROWS: "20000",
    });
    expect(linked.cloud).toMatchObject({
      url: "https://cloud.example:9443",
      tokenFile: "/etc/desk/gateway-credential",
      sendReadings: false,
      outbox: { maxRows: 20_000 },
    });
    expect(() => loadEdgeConfig({ DESK_EDGE_CLOUD_URL: "https://cloud.example" })).toThrow(
      /DESK_EDGE_CLOUD_TOKEN_FILE/,
    );
    expect(() =>
      loadEdgeConfig({ DESK_EDGE_CLOUD_URL: "http://cloud.example", DESK_EDGE_CLOUD_TOKEN_FILE: "/x" }),
    ).toThrow(/DESK_EDGE_CLOUD_URL/);
  });
});
