/**
 * `npm run bench [-- [--only a,b] [N | --full]]`: runs the benchmark sections (all, or those named by
 * --only), prints the table and, when all ran, replaces bench/RESULTS.md with it, the machine (CPUs, memory), the
 * versions measured and the date. N (default 1000) or --full (10000) sizes the fleet benchmarks.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, totalmem } from "node:os";
import { join } from "node:path";
import { peerBin } from "../test/peers/process.ts";
import { benchCli } from "./cli.ts";
import { benchReseal } from "./reseal.ts";
import { benchUnseal, unsealCount } from "./unseal.ts";
import { ROOT, shippedForm, stopPeersOnInterrupt, table, type BenchRow } from "./lib.ts";

/** First line of `<bin> <args>`, or "unknown" (a version is informative, never required). */
function version(bin: string, args: readonly string[]): string {
  try {
    const r = spawnSync(peerBin(bin), [...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 10_000 });
    return `${r.stdout}\n${r.stderr}`.split("\n").find((l) => l.trim() !== "")?.trim() ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** One benchmark section: a name for --only, and what it measures for a fleet of N. */
interface Section {
  readonly name: string;
  run(n: number): Promise<BenchRow[]> | BenchRow[];
}

const SECTIONS: readonly Section[] = [
  { name: "cli", run: () => benchCli() },
  { name: "unseal", run: (n) => benchUnseal(n) },
  { name: "reseal", run: () => benchReseal(1000) },
  { name: "externalsecrets", run: async (n) => (await import("./externalsecrets.ts")).benchExternalSecrets(n) },
];

stopPeersOnInterrupt();
const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  options: { only: { type: "string" }, full: { type: "boolean" } },
  allowPositionals: true,
});
const n = unsealCount([...positionals, ...(values.full === true ? ["--full"] : [])]);
const only = values.only?.split(",").map((s) => s.trim()).filter((s) => s !== "");
const unknown = only?.filter((name) => !SECTIONS.some((s) => s.name === name)) ?? [];
if (unknown.length > 0) {
  console.error(`unknown bench section(s): ${unknown.join(", ")}; known: ${SECTIONS.map((s) => s.name).join(", ")}`);
  process.exit(2);
}
const rows: BenchRow[] = [];
for (const section of SECTIONS) {
  if (only !== undefined && !only.includes(section.name)) continue;
  console.error(`bench ${section.name} (N=${String(n)})…`);
  rows.push(...await section.run(n));
}

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
  `- kseal ${pkg.version} (commit ${commit}) on Node ${process.version}, ${shippedForm() === "dist" ? "as shipped: the operator and the CLI from the tsc build in dist/" : "from the .ts sources (KSEAL_BENCH_SOURCE=1)"}`,
  `- kubeseal: ${version("kubeseal", ["--version"])}`,
  `- sealed-secrets-controller: ${version("sealed-secrets-controller", ["--version"])}`,
  `- sops: ${version("sops", ["--version", "--disable-version-check"])}`,
  `- kube-apiserver: ${version("kube-apiserver", ["--version"])}`,
  `- command: \`npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}\``,
  "",
  result,
  "",
].join("\n");
// A partial run (--only) prints its table but leaves the full results file alone.
if (only === undefined) writeFileSync(join(ROOT, "bench/RESULTS.md"), doc);
console.log(result);
