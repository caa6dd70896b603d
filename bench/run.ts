/**
 * `npm run bench [-- N | --full]`: runs the CLI and the cold-unseal benchmarks, prints the table and
 * replaces bench/RESULTS.md with it, the machine (CPUs, memory), the versions measured and the date.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, totalmem } from "node:os";
import { join } from "node:path";
import { peerBin } from "../test/peers/process.ts";
import { benchCli } from "./cli.ts";
import { benchUnseal, unsealCount } from "./unseal.ts";
import { ROOT, table, type BenchRow } from "./lib.ts";

/** First line of `<bin> <args>`, or "unknown" (a version is informative, never required). */
function version(bin: string, args: readonly string[]): string {
  try {
    const r = spawnSync(peerBin(bin), [...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 10_000 });
    return `${r.stdout}\n${r.stderr}`.split("\n").find((l) => l.trim() !== "")?.trim() ?? "unknown";
  } catch {
    return "unknown";
  }
}

const n = unsealCount(process.argv.slice(2));
const rows: BenchRow[] = [];
console.error("CLI benchmarks…");
rows.push(...benchCli());
console.error(`cold unseal, N=${String(n)}…`);
rows.push(...await benchUnseal(n));

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
const result = table(rows);
const doc = [
  "# kseal benchmarks",
  "",
  "Written by `npm run bench` (bench/run.ts); replaced on every run. Each kseal figure is measured",
  "against its peer in the same run on the same machine. Lower-is-better rows: kseal/peer < 1 means",
  "kseal is faster.",
  "",
  `- date: ${new Date().toISOString()}`,
  `- machine: ${String(availableParallelism())} CPUs (${cpus()[0]?.model ?? "unknown model"}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory`,
  `- kseal ${pkg.version} (commit ${commit}) on Node ${process.version}`,
  `- kubeseal: ${version("kubeseal", ["--version"])}`,
  `- sealed-secrets-controller: ${version("sealed-secrets-controller", ["--version"])}`,
  `- sops: ${version("sops", ["--version", "--disable-version-check"])}`,
  `- kube-apiserver: ${version("kube-apiserver", ["--version"])}`,
  `- command: \`npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}\``,
  "",
  result,
  "",
].join("\n");
writeFileSync(join(ROOT, "bench/RESULTS.md"), doc);
console.log(result);
