/**
 * CLI benchmarks, each side measured in the same run on the same machine:
 * - one offline seal (`--cert`, the same Secret) by `kseal` vs `kubeseal`, median of 10 runs;
 * - `kseal sops decrypt` vs `sops -d` of a generated 1 MiB YAML file encrypted by the real `sops`
 *   for an age key, median of 5 runs.
 * kseal runs as users run it: the package's `bin` (`dist/cli/kseal/main.js`, tsc output), built
 * first by {@link ksealCommand}, with Node start-up included. The .ts sources run through Node's
 * type stripping cost ~0.4 s of CPU more per start (every module is stripped on load), which no
 * installed kseal pays.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { peerBin } from "../test/peers/process.ts";
import { NODE, ROOT, prepareShipped, shippedEntry, shippedForm, timeCommand, type BenchRow } from "./lib.ts";

/** How to run the kseal CLI as measured: `node dist/cli/kseal/main.js`, or the sources (see {@link shippedForm}). */
export function ksealCommand(): { command: string; args: string[]; form: string } {
  return {
    command: NODE,
    args: [shippedEntry(join(ROOT, "cli/kseal/main.ts"), join(ROOT, "dist/cli/kseal/main.js"))],
    form: shippedForm() === "source" ? "run from the .ts sources" : "the built dist/ bin",
  };
}

/** A deterministic ~1 MiB YAML document: nested maps of short strings, no real secrets. */
export function bigYaml(targetBytes = 1024 * 1024): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < targetBytes; i++) {
    const line = i % 10 === 0
      ? `group_${String(i).padStart(6, "0")}:`
      : `  key_${String(i).padStart(6, "0")}: value-${String((i * 2654435761) % 4294967296).padStart(10, "0")}-${"x".repeat(60)}`;
    lines.push(line);
    size += line.length + 1;
  }
  return `${lines.join("\n")}\n`;
}

export function benchSeal(dir: string, runs = 10): BenchRow {
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:4096", "-nodes", "-days", "30", "-subj", "/CN=sealed-secret",
    "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
  const cert = join(dir, "cert.pem");
  const input = JSON.stringify({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "bench", namespace: "bench" },
    data: { username: Buffer.from("bench-user").toString("base64"), password: Buffer.from("not-a-real-secret").toString("base64") },
  });
  const k = ksealCommand();
  const kseal = timeCommand("kseal seal", k.command, [...k.args, "--cert", cert, "-o", "json"], { runs, input });
  const peer = timeCommand("kubeseal", peerBin("kubeseal"), ["--cert", cert, "-o", "json"], { runs, input });
  return { name: "seal one Secret offline (--cert)", unit: "s (median)", kseal, peer, peerName: "kubeseal", lowerIsBetter: true,
    note: `median of ${String(runs)} runs after one warm-up; kseal is ${k.form}, Node start-up included` };
}

export function benchSopsDecrypt(dir: string, runs = 5): BenchRow {
  const keyFile = join(dir, "age.key");
  execFileSync(peerBin("age-keygen"), ["-o", keyFile], { stdio: "ignore" });
  const recipient = execFileSync(peerBin("age-keygen"), ["-y", keyFile], { encoding: "utf8" }).trim();
  const plain = join(dir, "big.yaml");
  writeFileSync(plain, bigYaml());
  const encrypted = join(dir, "big.enc.yaml");
  const out = execFileSync(peerBin("sops"), ["encrypt", "--age", recipient, "--input-type", "yaml", "--output-type", "yaml", plain],
    { maxBuffer: 64 * 1024 * 1024 });
  writeFileSync(encrypted, out);
  rmSync(plain);
  const env = { SOPS_AGE_KEY_FILE: keyFile };
  const k = ksealCommand();
  const kseal = timeCommand("kseal sops decrypt", k.command, [...k.args, "sops", "decrypt", encrypted], { runs, env });
  const peer = timeCommand("sops -d", peerBin("sops"), ["-d", encrypted], { runs, env });
  const size = readFileSync(encrypted).length;
  return { name: "decrypt 1 MiB SOPS YAML (age)", unit: "s (median)", kseal, peer, peerName: "sops", lowerIsBetter: true,
    note: `median of ${String(runs)} runs after one warm-up; ${k.form}; plaintext 1 MiB, encrypted file ${(size / 1048576).toFixed(1)} MiB` };
}

export function benchCli(): BenchRow[] {
  prepareShipped();
  const dir = mkdtempSync(join(tmpdir(), "kseal-bench-cli-"));
  try {
    return [benchSeal(dir), benchSopsDecrypt(dir)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { stopPeersOnInterrupt, table } = await import("./lib.ts");
  stopPeersOnInterrupt();
  console.log(table(benchCli()));
}
