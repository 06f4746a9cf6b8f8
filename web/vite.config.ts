import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// The build lands inside the Python package (git-ignored) so `pip install .` ships it and
// `quantum serve` serves it as static files from the same origin as the API.
const outDir = fileURLToPath(new URL("../python/quantum/_web", import.meta.url));
const api = process.env.QUANTUM_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  base: "/",
  build: { outDir, emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 400 },
  server: {
    proxy: { "/api": api, "/ws": { target: api.replace(/^http/, "ws"), ws: true } },
  },
  test: {
    environment: "jsdom",
    // e2e/*.test.ts: unit tests of the mock service's parts (Playwright runs e2e/*.spec.ts).
    include: ["src/**/*.test.ts", "src/**/*.test.tsx", "e2e/**/*.test.ts"],
  },
});
