import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      { test: { name: "protocol", root: "protocol", environment: "node" } },
      { test: { name: "floorplans", root: "floorplans", environment: "node" } },
      { test: { name: "firmware-mocks", root: "firmware-mocks", environment: "node", testTimeout: 30_000 } },
      { test: { name: "edge", root: "edge", environment: "node", testTimeout: 60_000, hookTimeout: 60_000 } },
      {
        test: {
          name: "cloud",
          root: "cloud",
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 60_000,
          globalSetup: ["./src/test-support/global-setup.ts"],
        },
      },
      { test: { name: "kiosk", root: "kiosk", environment: "node" } },
      {
        test: {
          name: "e2e",
          root: "test",
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
