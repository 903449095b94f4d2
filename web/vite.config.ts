import { defineConfig } from "vitest/config";

// The dev server proxies the API and the WebSocket stream to a running quanyu
// (QUANYU_URL, default http://127.0.0.1:8080). `npm run build` writes dist/, which
// `quanyu serve --web dist` serves.
const target = process.env.QUANYU_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 800 },
  server: {
    proxy: {
      "/api/v1/stream": { target, ws: true },
      "/api": { target },
    },
  },
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
    reporters: ["default", "./tests/summary-reporter.ts"],
  },
});
