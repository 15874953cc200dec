import { resolve } from "node:path";

import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/**
 * `vite build` → dist/ (served by the edge at its origin's root). `vite build --mode bench` builds the page of
 * test/bench/kiosk-render.ts instead. Build with NODE_ENV unset or "production": Vite picks React's development
 * build and JSX runtime when NODE_ENV says otherwise (vitest sets "test").
 */
export default defineConfig(({ mode }) => ({
  plugins: [react()],
  base: "/",
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
