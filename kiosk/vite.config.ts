import { resolve } from "node:path";

import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/**
 * `vite build` → dist/ (served by the edge at its origin's root). `vite build --mode bench` builds the page of
 * test/bench/kiosk-render.ts instead. Build with NODE_ENV unset or "production": Vite picks React's development
 * build and JSX runtime when NODE_ENV says otherwise (vitest sets "test").
 *
 * `vite` (dev server) forwards socket.io to a running edge named by DESK_KIOSK_DEV_EDGE (e.g. https://localhost:8443,
 * whose self-signed certificate is accepted for this purpose only).
 */
const devEdge = process.env.DESK_KIOSK_DEV_EDGE;

export default defineConfig(({ mode }) => ({
  plugins: [react()],
  base: "/",
  server:
    devEdge === undefined
      ? {}
      : { proxy: { "/socket.io": { target: devEdge, ws: true, secure: false, changeOrigin: true } } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "chrome120",
    sourcemap: mode !== "bench",
    // One screen loaded once over the site's LAN: splitting React, Konva and zod apart would gain nothing.
    chunkSizeWarningLimit: 1024,
    ...(mode === "bench" ? { rolldownOptions: { input: resolve(import.meta.dirname, "bench.html") } } : {}),
  },
}));
