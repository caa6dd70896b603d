/** Shared helpers for the sealing tests: the real kubeseal binary, fixed-seed randomness, keys. */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { generateSealingKey, sealingKeyFromPem, type GeneratedKey, type Rng, type SealingKey } from "../../src/sealing/index.ts";

export const FIXTURES = join(import.meta.dirname, "fixtures");

/** Path of the real kubeseal; a missing binary fails the test (never skips). */
export function kubesealBin(): string {
  const dir = join(process.env.KSEAL_PEERS_DIR ?? join(homedir(), ".cache/kseal/peers"), "bin");
  const bin = join(dir, "kubeseal");
  if (!existsSync(bin)) throw new Error(`kubeseal not found at ${bin}: run \`npm run peers:install\``);
  return bin;
}

/** Runs kubeseal with `input` on stdin; resolves stdout, rejects with stderr. */
export function kubeseal(args: string[], input: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(kubesealBin(), args, { maxBuffer: 16 << 20, env: { ...process.env, KUBECONFIG: "/nonexistent" } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kubeseal ${args.join(" ")} failed: ${stderr}`));
      else resolve(stdout);
    });
    child.stdin?.end(input);
  });
}

/** A deterministic random source (SHA-256 in counter mode over a seed). */
export function seededRng(seed: string): Rng {
  let counter = 0;
  return (size) => {
    const out: Buffer[] = [];
    let have = 0;
    while (have < size) {
      const block = createHash("sha256").update(`${seed}:${counter++}`).digest();
      out.push(block);
      have += block.length;
    }
    return Buffer.concat(out).subarray(0, size);
  };
}

/** A 2048-bit key pair (fast) with a kseal certificate, plus its SealingKey. */
export function testKey(createdAt = new Date("2025-01-01T00:00:00Z")): GeneratedKey & { key: SealingKey } {
  const generated = generateSealingKey({ now: createdAt, bits: 2048 });
  return { ...generated, key: sealingKeyFromPem(generated.privateKeyPem, { certificatePem: generated.certificatePem, createdAt }) };
}
