/**
 * Shared helpers for the SOPS tests: age keys made by the real `age-keygen`, and `sops` run in a
 * temp dir (no stray .sops.yaml, keys only from the env we pass).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runPeer } from "../support/bins.ts";
import type { RunResult } from "../support/bins.ts";
import { parseIdentities } from "../../src/sops/index.ts";

export interface TestKey {
  readonly identity: string;
  readonly recipient: string;
  readonly file: string;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "kseal-sops-"));
}

/** A key pair from the real age-keygen, with its keys file. */
export function ageKeygen(dir: string, name: string): TestKey {
  const file = join(dir, `${name}.txt`);
  const r = runPeer("age-keygen", ["-o", file]);
  if (r.status !== 0) throw new Error(`age-keygen failed: ${r.stderr}`);
  const text = readFileSync(file, "utf8");
  const identity = parseIdentities(text)[0];
  const recipient = /public key: (age1[0-9a-z]+)/.exec(text)?.[1];
  if (identity === undefined || recipient === undefined) throw new Error("age-keygen output not understood");
  return { identity, recipient, file };
}

/** Runs `sops` in `dir` with only `keyFile` as identity source. Throws on a non-zero exit. */
export function sops(dir: string, args: readonly string[], keyFile?: string, input?: string | Buffer): string {
  const r = sopsRaw(dir, args, keyFile, input);
  if (r.status !== 0) throw new Error(`sops ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

export function sopsRaw(dir: string, args: readonly string[], keyFile?: string, input?: string | Buffer): RunResult {
  const env: Record<string, string> = { HOME: dir, XDG_CONFIG_HOME: join(dir, ".config"), SOPS_AGE_KEY_FILE: keyFile ?? join(dir, "none.txt") };
  const opts: { env: Record<string, string>; cwd: string; input?: string | Buffer } = { env, cwd: dir };
  if (input !== undefined) opts.input = input;
  return runPeer("sops", args, opts);
}

export function write(dir: string, name: string, data: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

/** Deterministic pseudo-random bytes (xorshift32) for property tests with a fixed seed. */
export function seeded(seed: number): (n: number) => Uint8Array {
  let s = seed >>> 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      out[i] = s & 0xff;
    }
    return out;
  };
}

let seq = 0;
/** `sops decrypt` of `data` written to a file of the given format. */
export function sopsDecrypt(dir: string, format: string, data: string | Uint8Array, keyFile: string): string {
  const p = write(dir, `in-${++seq}.${format}`, data);
  return sops(dir, ["decrypt", "--input-type", format, "--output-type", format, p], keyFile);
}
