/// <reference types="vitest/config" />
// The browser tests (`npm run e2e`, `make e2e`): one file at a time, since they share one
// server and one Chromium; generous hook time for starting the server on a busy machine.
import { defineConfig } from "vite";

export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ["**/*.e2e.ts"],
    environment: "node",
    pool: "forks",
    fileParallelism: false,
    testTimeout: 45_000,
    hookTimeout: 90_000,
  },
});
