/**
 * Shared helpers for the benchmarks: timing child processes (hyperfine-style: N runs, median wall
 * time), and a row type the runner turns into the RESULTS.md table. Not tests: nothing here asserts.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { signalAllStarted, waitFor } from "../test/peers/process.ts";
import { BUILT_OPERATOR_MAIN, OPERATOR_MAIN, buildDist, operatorArgs, operatorEnv } from "../test/support/processes.ts";
import type { KubeHttp, KubeObject, ResourceType } from "../src/kube/client.ts";

export const ROOT = resolve(import.meta.dirname, "..");
/** Node 24 from the `node` devDependency when running through npm, else the current one. */
export const NODE = process.execPath;

/**
 * Makes Ctrl-C (or SIGTERM) stop the peers this benchmark started before it exits: they run in
 * process groups of their own, out of the terminal's reach. Called by every bench entry point.
 */
export function stopPeersOnInterrupt(): void {
  const onSignal = (signal: NodeJS.Signals): void => {
    const n = signalAllStarted("SIGTERM");
    console.error(`bench: ${signal}: stopped ${String(n)} process group(s) it had started; its temporary directories stay in ${tmpdir()}`);
    process.exit(130);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
}

let built = false;

/**
 * Whether kseal is measured as it ships — the tsc output in dist/ (the package's bins, the image's
 * entry point) — or, with `KSEAL_BENCH_SOURCE=1`, from the .ts sources. Type stripping is not free:
 * every module is stripped on load (~0.4 s of CPU per CLI start) and the stripper (a WebAssembly
 * module) and the stripped sources stay in the operator's memory (~24 MB).
 */
export function shippedForm(): "dist" | "source" {
  return process.env.KSEAL_BENCH_SOURCE === "1" ? "source" : "dist";
}

/**
 * Compiles dist/ once per bench process (for the dist form). Every section calls it before it
 * starts a clock: built lazily by the first kseal start instead, the ~8 s of tsc landed inside the
 * first timed cold sync.
 */
export function prepareShipped(): void {
  if (shippedForm() === "dist" && !built) {
    buildDist();
    built = true;
  }
}

/** The path of a kseal entry point in the measured form; refuses a dist/ that was not prepared. */
export function shippedEntry(source: string, dist: string): string {
  if (shippedForm() === "source") return source;
  if (!built) throw new Error("bench: prepareShipped() must run before kseal is started (outside any timed section)");
  return dist;
}

/**
 * kseal-operator's arguments in the benchmarks: as it ships (see {@link shippedForm}) with the
 * shipped Node flags. An experiment knob: KSEAL_BENCH_OPERATOR_NODE_FLAGS (space-separated) goes
 * after the shipped Node flags and before the entry point, so a flag given there overrides the
 * shipped one (V8 takes the last).
 */
export function benchOperatorArgs(opts: { kubeconfig: string | undefined; namespace: string; apiPort?: number }, extraArgs: readonly string[]): string[] {
  const args = operatorArgs({ ...opts, main: shippedEntry(OPERATOR_MAIN, BUILT_OPERATOR_MAIN) }, extraArgs);
  const extra = (process.env.KSEAL_BENCH_OPERATOR_NODE_FLAGS ?? "").split(" ").filter((f) => f !== "");
  const main = args.findIndex((a) => !a.startsWith("--"));
  return [...args.slice(0, main), ...extra, ...args.slice(main)];
}

/**
 * kseal-operator's environment in the benchmarks: as it ships (its allocator, {@link operatorEnv}),
 * then the other experiment knob, KSEAL_BENCH_OPERATOR_ENV (`K=V K2=V2`), e.g. other allocator
 * settings (`LD_PRELOAD=` measures glibc's malloc).
 */
export function benchOperatorEnv(): Record<string, string> {
  const pairs = (process.env.KSEAL_BENCH_OPERATOR_ENV ?? "").split(" ").filter((kv) => kv.includes("="));
  return { ...operatorEnv(), ...Object.fromEntries(pairs.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)])) };
}

/** One line of the results table: kseal's figure, the peer's figure, and their ratio. */
export interface BenchRow {
  readonly name: string;
  readonly unit: string;
  readonly kseal: number;
  readonly peer: number;
  readonly peerName: string;
  /** What "better" means for the ratio column (time: lower; throughput: higher). */
  readonly lowerIsBetter: boolean;
  readonly note?: string;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error("median of no samples");
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] ?? 0 : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/**
 * Runs a command `runs` times (after one untimed warm-up) and returns the median wall time in
 * seconds. A non-zero exit fails the benchmark with the command's name and stderr tail (never its
 * stdout, which may hold decrypted values).
 */
export function timeCommand(
  label: string,
  command: string,
  args: readonly string[],
  opts: { runs: number; input?: Buffer | string; env?: Record<string, string> },
): number {
  const once = (): number => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(command, [...args], {
      input: opts.input,
      env: { ...process.env, ...opts.env },
      stdio: [opts.input === undefined ? "ignore" : "pipe", "ignore", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
      cwd: ROOT,
    });
    const t1 = process.hrtime.bigint();
    if (r.error !== undefined) throw r.error;
    if (r.status !== 0) {
      const tail = r.stderr.toString("utf8").split("\n").slice(-5).join("\n");
      throw new Error(`${label} exited ${String(r.status)}:\n${tail}`);
    }
    return Number(t1 - t0) / 1e9;
  };
  once();
  const samples: number[] = [];
  for (let i = 0; i < opts.runs; i++) samples.push(once());
  return median(samples);
}

/** `ratio` column: kseal / peer, formatted. */
export function ratio(row: BenchRow): string {
  if (row.peer === 0 || !Number.isFinite(row.peer) || !Number.isFinite(row.kseal)) return "n/a";
  return (row.kseal / row.peer).toFixed(2);
}

/** A figure with a sensible number of digits; "n/a" where the peer has no such figure (NaN). */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return "n/a";
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

/** The table printed to stdout and written to RESULTS.md. */
export function table(rows: readonly BenchRow[]): string {
  const lines = [
    "| benchmark | unit | kseal | peer | peer figure | kseal/peer | better |",
    "|---|---|---:|---|---:|---:|---|",
  ];
  for (const r of rows) {
    lines.push(`| ${r.name} | ${r.unit} | ${fmt(r.kseal)} | ${r.peerName} | ${fmt(r.peer)} | ${ratio(r)} | ${r.lowerIsBetter ? "lower" : "higher"} |`);
  }
  const notes = rows.filter((r) => r.note !== undefined).map((r) => `- ${r.name}: ${r.note ?? ""}`);
  return [...lines, ...(notes.length > 0 ? ["", ...notes] : [])].join("\n");
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) {
      const item = items[i];
      if (item !== undefined) await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export const NAMESPACES: ResourceType = { group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false };

const CRDS: ResourceType = {
  group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions", kind: "CustomResourceDefinition", namespaced: false,
};

/** Applies every CRD document of `files` and waits until each is Established. */
export async function applyCrdFiles(http: KubeHttp, files: readonly string[]): Promise<void> {
  const names: string[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
      const crd = doc.toJS() as KubeObject | null;
      if (crd?.kind !== "CustomResourceDefinition") continue;
      const name = crd.metadata?.name ?? "";
      await http.apply(CRDS, undefined, name, crd, { fieldManager: "kseal-bench", force: true });
      names.push(name);
    }
  }
  for (const name of names) {
    await waitFor(`CRD ${name} Established`, async () => {
      const got = await http.get<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>(CRDS, undefined, name);
      return got?.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") === true;
    });
  }
}
