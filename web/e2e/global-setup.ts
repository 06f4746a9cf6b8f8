/**
 * Starts the service under test on a free loopback port and waits for /api/health.
 *
 * E2E_TARGET=mock  → e2e/mock-server.ts (the subset of docs/api.md the tests use)
 * otherwise        → the real service: $QUANTUM_SERVE_CMD, default
 *                    `../.venv/bin/quantum serve --host 127.0.0.1 --port $PORT --data-dir $TMPDIR`
 * E2E_BASE_URL set → use an already running service and start nothing.
 *
 * The admin credentials go to the service through QUANTUM_ADMIN_USER / QUANTUM_ADMIN_PASSWORD and
 * to the tests through the same variables (defaults below).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => ok(port));
    });
  });
}

async function waitForHealth(base: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`service exited with code ${child.exitCode} before it was healthy`);
    try {
      const res = await fetch(`${base}/api/health`);
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`service not healthy at ${base} after ${timeoutMs} ms (${last})`);
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  process.env.QUANTUM_ADMIN_USER ??= "admin";
  process.env.QUANTUM_ADMIN_PASSWORD ??= "e2e-admin-password";
  process.env.QUANTUM_SECRET_KEY ??= "e2e-secret-key-not-for-production-0123456789";
  if (process.env.E2E_BASE_URL) return async () => {};

  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "quantum-e2e-"));
  const mock = process.env.E2E_TARGET === "mock";
  const cmd = mock
    ? `npx tsx ${join(here, "mock-server.ts")} --port $PORT --tick-hz 50`
    : (process.env.QUANTUM_SERVE_CMD ?? "../.venv/bin/quantum serve --host 127.0.0.1 --port $PORT --data-dir $TMPDIR");
  const child = spawn("sh", ["-c", `exec ${cmd}`], {
    cwd: join(here, ".."),
    env: { ...process.env, PORT: String(port), TMPDIR: dataDir },
    stdio: ["ignore", "inherit", "inherit"],
    detached: true,
  });
  const base = `http://127.0.0.1:${port}`;
  process.env.E2E_BASE_URL = base;
  process.env.E2E_TARGET_KIND = mock ? "mock" : "service";
  // Signal the whole process group; a group that has already exited (ESRCH) is fine.
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
    }
  };
  const exited = (ms: number) =>
    new Promise<boolean>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve(true);
      const timer = setTimeout(() => resolve(false), ms);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      killGroup("SIGTERM");
      // The service flushes its store writer on SIGTERM: give it time before forcing.
      if (!(await exited(10_000))) killGroup("SIGKILL");
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(base, child, 30_000);
  } catch (err) {
    await stop();
    throw err;
  }
  console.log(`e2e: ${mock ? "mock" : "service"} at ${base}`);
  return stop;
}
