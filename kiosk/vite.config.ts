import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig(({ mode }) => ({
  plugins: [react()],
  // The edge serves the build at its origin's root.
  base: "/",
  // A build follows its mode, not an inherited NODE_ENV (vitest sets "test", which would bundle React's dev build).
  define: { "process.env.NODE_ENV": JSON.stringify(mode === "production" ? "production" : "development") },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "chrome120",
    sourcemap: true,
    // One screen loaded once over the site's LAN: splitting React, Konva and zod apart would gain nothing.
    chunkSizeWarningLimit: 1024,
  },
}));
