/**
 * What the ExternalSecret benchmarks observe, from outside the operators: a watch-fed view of the
 * fleet (which Secrets hold the expected value, which ExternalSecrets are Ready=True), the
 * kube-apiserver's own request counters, a process's RSS and CPU time from /proc, and OpenBao's
 * audit log. Nothing here asserts; every figure is read, none is assumed.
 */
import { execFileSync } from "node:child_process";
import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { sleep } from "../test/peers/process.ts";
import { parseSamples, samplesOf, sumOf } from "../test/support/prometheus.ts";
import { SECRETS, isGone, type KubeHttp, type KubeObject, type ResourceType } from "../src/kube/client.ts";

export const EXTERNAL_SECRETS: ResourceType = {
  group: "external-secrets.io", version: "v1", plural: "externalsecrets", kind: "ExternalSecret", namespaced: true,
};

/**
 * List, then watch from the list's resourceVersion, forever (until `signal`): a server-side timeout
 * resumes from the last version seen, a 410 or a broken stream re-lists. Every listed object is
 * replayed as ADDED.
 */
export async function watchLoop(
  http: KubeHttp, r: ResourceType, namespace: string, signal: AbortSignal,
  onEvent: (type: "ADDED" | "MODIFIED" | "DELETED", obj: KubeObject) => void,
): Promise<void> {
  const live = (): boolean => !signal.aborted;
  while (live()) {
    try {
      const list = await http.list(r, { namespace, signal });
      for (const item of list.items) onEvent("ADDED", item);
      let rv = list.metadata?.resourceVersion;
      const state = { gone: false };
      while (live() && !state.gone) {
        await http.watch(r, { namespace, resourceVersion: rv, timeoutSeconds: 60, signal }, (ev) => {
          if (ev.type === "ERROR") {
            state.gone = true;
            return;
          }
          rv = ev.object.metadata?.resourceVersion ?? rv;
          if (ev.type !== "BOOKMARK") onEvent(ev.type, ev.object);
        });
      }
    } catch (e: unknown) {
      if (!live()) return;
      if (!isGone(e)) await sleep(250);
    }
  }
}

interface Condition { readonly type?: string; readonly status?: string }

function isReady(es: KubeObject): boolean {
  const status = es.status as { conditions?: Condition[] } | undefined;
  return status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
}

/**
 * The fleet as the benchmark sees it: `expected` maps each Secret name (= ExternalSecret name) to
 * the base64 of the value it must hold under key `value`. `done()` is true once every expected
 * Secret holds its value and every ExternalSecret has Ready=True.
 */
export class FleetView {
  readonly expected: Map<string, string>;
  readonly goodSecrets = new Set<string>();
  readonly readyEs = new Set<string>();
  /** Called on every Secret event with the value it now holds (for rotation latencies). */
  onSecret: ((name: string, valueB64: string | undefined, atMs: number) => void) | undefined;
  readonly #abort = new AbortController();
  readonly #loops: Promise<void>[] = [];

  constructor(expected: Map<string, string>) {
    this.expected = expected;
  }

  start(http: KubeHttp, namespace: string): void {
    const { signal } = this.#abort;
    this.#loops.push(watchLoop(http, SECRETS, namespace, signal, (type, obj) => {
      const name = obj.metadata?.name ?? "";
      const value = type === "DELETED" ? undefined : (obj.data as Record<string, string> | undefined)?.value;
      this.recheck(name, value);
      this.onSecret?.(name, value, performance.now());
    }));
    this.#loops.push(watchLoop(http, EXTERNAL_SECRETS, namespace, signal, (type, obj) => {
      const name = obj.metadata?.name ?? "";
      if (type !== "DELETED" && isReady(obj)) this.readyEs.add(name);
      else this.readyEs.delete(name);
    }));
  }

  /** Re-evaluates one Secret against `expected` (also after `expected` changes). */
  recheck(name: string, valueB64: string | undefined): void {
    const want = this.expected.get(name);
    if (want !== undefined && valueB64 === want) this.goodSecrets.add(name);
    else this.goodSecrets.delete(name);
  }

  done(): boolean {
    return this.goodSecrets.size >= this.expected.size && this.readyEs.size >= this.expected.size;
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await Promise.allSettled(this.#loops);
  }
}

/** Mutating request counts of the kube-apiserver, by resource (`secrets`, `externalsecrets/status`, …). */
export type WriteCounts = ReadonlyMap<string, number>;

const MUTATING = new Set(["POST", "PUT", "PATCH", "APPLY", "DELETE", "DELETECOLLECTION"]);

/**
 * Scrapes `apiserver_request_total` and sums per resource[/subresource] — mutating verbs only, or
 * with `allVerbs` every verb, keyed `VERB resource[/subresource]`.
 */
export async function apiWrites(http: KubeHttp, allVerbs = false): Promise<WriteCounts> {
  const res = await http.request("GET", "/metrics", { accept: "text/plain" });
  const out = new Map<string, number>();
  for (const { labels, value } of samplesOf(parseSamples(await res.text()), "apiserver_request_total")) {
    const verb = labels.verb ?? "";
    if (!allVerbs && !MUTATING.has(verb)) continue;
    const sub = labels.subresource ?? "";
    const key = `${allVerbs ? `${verb} ` : ""}${labels.resource ?? ""}${sub === "" ? "" : `/${sub}`}`;
    out.set(key, (out.get(key) ?? 0) + value);
  }
  return out;
}

/** The non-zero after − before per key, largest first, as "count key" items. */
export function countsBetween(before: WriteCounts, after: WriteCounts): string[] {
  return [...after].map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const).filter(([, d]) => d > 0).sort((a, b) => b[1] - a[1]).map(([k, d]) => `${String(d)} ${k}`);
}

/** after − before for the given resources. */
export function writesBetween(before: WriteCounts, after: WriteCounts, resources: readonly string[]): number {
  return resources.reduce((sum, r) => sum + (after.get(r) ?? 0) - (before.get(r) ?? 0), 0);
}

let clockTicks: number | undefined;

/** RSS (bytes), peak RSS (bytes) and user+system CPU seconds of a live process, from /proc. */
export function procStats(pid: number): { rss: number; rssAnon: number; rssFile: number; hwm: number; cpuSeconds: number } {
  clockTicks ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
  const status = readFileSync(`/proc/${String(pid)}/status`, "utf8");
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? "NaN") * 1024;
  const stat = readFileSync(`/proc/${String(pid)}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) start at field 3; utime/stime are 14/15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  // RssFile: pages of the executable and libraries (shared, reclaimable); RssAnon: the heaps.
  return { rss: kb("VmRSS"), rssAnon: kb("RssAnon"), rssFile: kb("RssFile"), hwm: kb("VmHWM"), cpuSeconds: ticks / clockTicks };
}

/** Current size of a file (an offset into an append-only log). */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Read requests in OpenBao's file audit log between two byte offsets whose path is under
 * `pathPrefix` (e.g. `secret/data/bench-kseal/`). Each request is logged once as type "request".
 */
export function auditReads(auditFile: string, from: number, to: number, pathPrefix: string): number {
  if (to <= from) return 0;
  const fd = openSync(auditFile, "r");
  const buf = Buffer.alloc(to - from);
  try {
    readSync(fd, buf, 0, buf.length, from);
  } finally {
    closeSync(fd);
  }
  let count = 0;
  for (const line of buf.toString("utf8").split("\n")) {
    if (line === "") continue;
    let entry: { type?: string; request?: { operation?: string; path?: string } };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue; // a line cut at the offset
    }
    if (entry.type === "request" && entry.request?.operation === "read" && entry.request.path?.startsWith(pathPrefix) === true) count++;
  }
  return count;
}

/**
 * Waits until the audit log has shown no read under `pathPrefix` for `quietMs` (true), or `capMs`
 * passed (false). A controller whose refreshes share grid instants reads in bursts; a window of
 * whole intervals that starts in the lull between two bursts holds whole bursts only, where one
 * starting mid-burst counted a part of one burst at each end (±3 % at 10,000 ExternalSecrets).
 */
export async function untilReadLull(auditFile: string, pathPrefix: string, quietMs: number, capMs: number): Promise<boolean> {
  const deadline = performance.now() + capMs;
  let offset = fileSize(auditFile);
  let lastRead = performance.now();
  while (performance.now() < deadline) {
    await sleep(100);
    const size = fileSize(auditFile);
    if (auditReads(auditFile, offset, size, pathPrefix) > 0) lastRead = performance.now();
    offset = size;
    if (performance.now() - lastRead >= quietMs) return true;
  }
  return false;
}

/** Nearest-rank percentile (p in 0..100) of a non-empty sample. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) throw new Error("percentile of no samples");
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
}

/**
 * The V8 heap of a running kseal-operator (used / total / external MB), from prom-client's default
 * metrics on the port its latest start-up log line names: what the RSS figure is made of.
 */
export async function ksealHeap(logFile: string): Promise<string> {
  // The last start-up line: one log file collects every run of the operator.
  const first = readFileSync(logFile, "utf8").split("\n").findLast((l) => l.includes("kseal-operator running"));
  const port = first === undefined ? undefined : (JSON.parse(first) as { metricsPort?: number }).metricsPort;
  if (port === undefined) return "heap n/a";
  const samples = parseSamples(await (await fetch(`http://127.0.0.1:${String(port)}/metrics`)).text());
  const mb = (name: string): string => (sumOf(samples, name) / 2 ** 20).toFixed(0);
  return `heap used ${mb("nodejs_heap_size_used_bytes")} MB of ${mb("nodejs_heap_size_total_bytes")} MB, external ${mb("nodejs_external_memory_bytes")} MB, ${String(sumOf(samples, "kseal_heap_trims_total"))} heap trims`;
}
