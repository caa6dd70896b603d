import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** One request to the Go oracle (test/template-oracle/main.go). */
export interface OracleRequest {
  readonly template: string;
  readonly data?: Record<string, string>;
  readonly dataB64?: Record<string, string>;
  readonly funcs?: "eso" | "sealed-secrets";
  readonly missingKey?: "" | "error" | "default" | "zero";
  readonly secrets?: Record<string, Record<string, string>>;
  readonly names?: boolean;
  /** Asks Go's bcrypt.CompareHashAndPassword; answers `ok cost=N`. */
  readonly bcrypt?: { readonly hash: string; readonly passwordB64: string };
  /** Asks crypto/x509 for a JSON summary of a certificate (and whether key and CA match it). */
  readonly certFacts?: { readonly cert: string; readonly key?: string; readonly ca?: string };
}
export type OracleResult = { ok: true; output: Buffer } | { ok: false; error: string };

export function oraclePath(): string {
  const dir = process.env.KSEAL_PEERS_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "kseal", "peers");
  return join(dir, "bin", "template-oracle");
}

/** Renders every request with Go's text/template + sprig in one oracle process. */
export function runOracle(reqs: readonly OracleRequest[]): OracleResult[] {
  const bin = oraclePath();
  if (!existsSync(bin)) {
    throw new Error(`template oracle not found at ${bin}; build it with: bash test/peers/install.sh template_oracle`);
  }
  const input = reqs.map((r) => JSON.stringify(r)).join("\n") + "\n";
  const res = spawnSync(bin, [], { input, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, TZ: "UTC" }, timeout: 60_000 });
  if (res.status !== 0) throw new Error(`template oracle failed: status ${String(res.status)} ${res.stderr.toString()}`);
  const lines = res.stdout.toString("utf8").trim().split("\n");
  if (lines.length !== reqs.length) throw new Error(`template oracle answered ${lines.length} of ${reqs.length} requests`);
  return lines.map((l) => {
    const r = JSON.parse(l) as { ok: boolean; outputB64?: string; error?: string };
    return r.ok ? { ok: true, output: Buffer.from(r.outputB64 ?? "", "base64") } : { ok: false, error: r.error ?? "" };
  });
}
