/**
 * The process side of the peer harness: start a peer binary in its own process group on loopback,
 * wait until it answers, show its log when it fails, and stop the whole group.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { existsSync, mkdirSync, openSync, closeSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** The peer cache: ${KSEAL_PEERS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kseal/peers}. */
export function peersDir(): string {
  const explicit = process.env.KSEAL_PEERS_DIR;
  if (explicit !== undefined && explicit !== "") return explicit;
  const cache = process.env.XDG_CACHE_HOME;
  return join(cache !== undefined && cache !== "" ? cache : join(homedir(), ".cache"), "kseal", "peers");
}

/** Path of an installed peer binary; throws a message saying how to install it when missing. */
export function peerBin(name: string): string {
  const path = join(peersDir(), "bin", name);
  if (!existsSync(path)) {
    throw new Error(
      `peer binary "${name}" is missing at ${path}: run \`npm run peers:install\` (test/peers/install.sh) first`,
    );
  }
  return path;
}

/** A free TCP port on 127.0.0.1 (bound, read and released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        reject(new Error("no port"));
        return;
      }
      server.close(() => {
        resolve(address.port);
      });
    });
  });
}

export interface PeerProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Last lines of the log, for failure messages. */
  logTail(lines?: number): string;
  /** SIGTERM to the whole process group, SIGKILL after a grace period. Idempotent. */
  stop(graceMs?: number): Promise<void>;
  /** Resolves when the process exits. */
  readonly exited: Promise<number | null>;
}

export interface StartOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly logDir: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Polled until it returns true; the process is ready then. */
  readonly ready: () => Promise<boolean>;
  readonly readyTimeoutMs?: number;
  /** Detach fully (for `peers:up`): the process outlives this Node process. */
  readonly daemon?: boolean;
}

export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

export async function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether a process with this pid exists (signal 0 probes without signalling). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kills a process group: TERM, then KILL after `graceMs`. */
export async function killGroup(pid: number, graceMs = 5000): Promise<void> {
  try {
    process.kill(-pid, "SIGTERM");
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && alive(pid)) await sleep(50);
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Process groups started by {@link startProcess} that have not exited (daemons excluded). */
const running = new Set<number>();

/**
 * Signals every process group started here that is still running. For an interrupted run (Ctrl-C
 * on a benchmark): the peers run in their own process groups, so the terminal's SIGINT does not
 * reach them and they would outlive it.
 */
export function signalAllStarted(signal: NodeJS.Signals = "SIGTERM"): number {
  let signalled = 0;
  for (const pid of running) {
    try {
      process.kill(-pid, signal);
      signalled++;
    } catch {
      // already gone
    }
  }
  return signalled;
}

/** Starts a peer and waits until `ready()`; on failure the error carries the peer's log tail. */
export async function startProcess(opts: StartOptions): Promise<PeerProcess> {
  mkdirSync(opts.logDir, { recursive: true });
  const logFile = join(opts.logDir, `${opts.name}.log`);
  const fd = openSync(logFile, "a");
  const child = spawn(opts.command, [...opts.args], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", fd, fd],
    detached: true,
  });
  closeSync(fd);
  if (opts.daemon === true) child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`peer ${opts.name}: could not start ${opts.command}`);
  if (opts.daemon !== true) running.add(pid);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.on("exit", (code) => {
      exitCode = code;
      running.delete(pid);
      resolve(code);
    });
    child.on("error", () => {
      exitCode = -1;
      running.delete(pid);
      resolve(-1);
    });
  });
  const peer: PeerProcess = {
    name: opts.name,
    pid,
    logFile,
    logTail: (lines) => tail(logFile, lines),
    stop: async (graceMs) => {
      if (exitCode === undefined) await killGroup(pid, graceMs);
    },
    exited,
  };
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(`peer ${opts.name} exited with code ${String(exitCode)} before it was ready; log ${logFile}:\n${tail(logFile)}`);
    }
    const ok = await opts.ready().catch(() => false);
    if (ok) return peer;
    if (Date.now() > deadline) {
      await peer.stop(1000);
      throw new Error(`peer ${opts.name} was not ready within ${String(opts.readyTimeoutMs ?? 60_000)} ms; log ${logFile}:\n${tail(logFile)}`);
    }
    await sleep(200);
  }
}

/** Polls `fn` until it returns a value other than undefined/false, or throws after the timeout. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e: unknown) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${String(timeoutMs)} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`);
    }
    await sleep(intervalMs);
  }
}
