/// <reference types="vitest/config" />
// Vite builds the dashboard into dist/ (served by `xor serve` at /); `npm run dev` proxies
// /api (REST and the WebSocket stream) to a local `xor serve` on port 8000.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const API_TARGET = process.env["XOR_API_URL"] ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      "/api": { target: API_TARGET, ws: true, changeOrigin: false },
    },
  },
  build: {
    target: "es2022",
    sourcemap: false,
    rollupOptions: {
      output: {
        // The chart library in a chunk of its own, loaded with the first page that draws a chart.
        manualChunks: (id: string) => (/lightweight-charts|fancy-canvas/.test(id) ? "charts" : undefined),
      },
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
