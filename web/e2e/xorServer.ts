/**
 * The real XOR server for the browser tests: `xor serve` on a free loopback port with a
 * fresh XOR_DATA_DIR (SQLite, in-process rate limits and stream), serving the built
 * dashboard (web/dist, `make web`). Before it starts, the shipped candles are seeded
 * (`xor data seed`) and the admin account is created (`xor users create`), both at once.
 * The machine's own settings (config file, database and Redis URLs) are kept out.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REPO_ROOT = resolve(import.meta.dirname, "..", "..");
const XOR_BIN = process.env["XOR_BIN"] ?? join(REPO_ROOT, ".venv", "bin", "xor");
const START_TIMEOUT_MS = 45_000;

export interface XorServer {
  baseUrl: string;
  dataDir: string;
  /** The environment the server runs with (a worker must share its data dir). */
  env: NodeJS.ProcessEnv;
  stop: () => Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => done(port));
    });
  });
}

function serverEnv(dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith("XOR_")) delete env[name];
  return {
    ...env,
    XOR_DATA_DIR: dataDir,
    XOR_CONFIG_FILE: join(dataDir, "no-config.toml"),
    XOR_PASSWORD_HASH_PROFILE: "test",
    OMP_NUM_THREADS: "1",
    NUMBA_NUM_THREADS: "1",
    OPENBLAS_NUM_THREADS: "1",
  };
}

/** Run an `xor` command to completion; its output is kept for the error message. */
function runXor(args: readonly string[], env: NodeJS.ProcessEnv, stdin = ""): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(XOR_BIN, args, { env, stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", fail);
    child.on("close", (code) =>
      code === 0 ? done(output) : fail(new Error(`xor ${args.join(" ")} exited ${code}:\n${output}`)),
    );
    child.stdin.end(stdin);
  });
}

async function waitHealthy(baseUrl: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`xor serve exited ${child.exitCode}:\n${log()}`);
    try {
      const answer = await fetch(`${baseUrl}/api/v1/health`);
      if (answer.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((wait) => setTimeout(wait, 150));
  }
  throw new Error(`xor serve did not answer /api/v1/health within ${START_TIMEOUT_MS} ms:\n${log()}`);
}

export interface AdminAccount {
  email: string;
  password: string;
}

export async function startXorServer(admin: AdminAccount): Promise<XorServer> {
  if (!existsSync(XOR_BIN)) throw new Error(`${XOR_BIN} is missing: run make setup (or set XOR_BIN)`);
  if (!existsSync(join(REPO_ROOT, "web", "dist", "index.html")))
    throw new Error("web/dist is not built: run make web first");
  const dataDir = mkdtempSync(join(tmpdir(), "xor-e2e-"));
  const env = serverEnv(dataDir);
  await Promise.all([
    runXor(["data", "seed"], env),
    runXor(
      ["users", "create", admin.email, "--role", "admin", "--password-stdin"],
      env,
      `${admin.password}\n`,
    ),
  ]);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(XOR_BIN, ["serve", "--host", "127.0.0.1", "--port", String(port)], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await waitHealthy(baseUrl, child, () => output);
  const stop = async () => {
    await terminate(child);
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { baseUrl, dataDir, env, stop };
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once("exit", done));
  child.kill("SIGTERM");
  const killed = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(killed);
}

/**
 * The stored candles the worker replays: the shipped BTC/USDT 1m sample ends on
 * 2025-08-18 at 18:27 UTC, so from 06:00 the bot trades the last ~750 of them, inside the
 * 1,000 candles its detail chart shows, at a pace a person can follow (12,000x: 5 ms per
 * candle, about 4 s in all).
 */
export const REPLAY_FROM = "2025-08-18T06:00:00Z";
const REPLAY_SPEED = "12000";

/**
 * `xor worker` on the server's database, paper bots only, on the stored candles replayed
 * from REPLAY_FROM on the replay's market clock (so the bots trade those past candles, and
 * their orders and trades carry the candles' times). Stop it before the server.
 */
export function startXorWorker(server: XorServer): { stop: () => Promise<void>; output: () => string } {
  const child = spawn(
    XOR_BIN,
    [
      "worker",
      "--feed",
      "replay",
      "--replay-speed",
      REPLAY_SPEED,
      "--replay-from",
      REPLAY_FROM,
      "--no-live",
      "--poll-ms",
      "200",
    ],
    {
      env: server.env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return { stop: () => terminate(child), output: () => output };
}
