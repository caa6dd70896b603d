/**
 * ExternalSecret benchmarks: kseal-operator against the External Secrets Operator (ESO) core
 * controller, each on its own fresh private control plane (both serve the external-secrets.io
 * CRDs), reading one OpenBao (KV v2, token auth through one SecretStore) on loopback.
 *
 * 1. Cold sync: N ExternalSecrets of one key each (N distinct keys) exist before the controller is
 *    spawned; the clock runs from spawn until every Secret holds its expected value AND every
 *    ExternalSecret is Ready=True (both seen through watches). Contestants: kseal (defaults), ESO
 *    defaults, ESO tuned for large fleets, and the floor — this process writing the same N Secrets
 *    and N status updates itself (50 in flight, no store reads, no controller start-up).
 * 2. Steady state: a fleet of N ExternalSecrets over N/10 distinct keys, refreshInterval 30 s.
 *    After cold sync and 5 s of settling, a 70 s window in which nothing changes: mutating requests
 *    on secrets and externalsecrets(/status) (kube-apiserver's apiserver_request_total), store
 *    reads (OpenBao's audit log), RSS and CPU seconds of the controller process (/proc).
 * 3. Store reads per refresh cycle: the window's reads on the fleet's KV paths ÷ (window ÷ 30 s).
 * 4. Rotation: right after the window, K keys get a new value in OpenBao; latency until each
 *    watched Secret holds it, and for kseal until the Deployment asking for it carries a new
 *    `kseal.dev/restartedAt` (rollout controller, --restart-debounce=1s). ESO has no restart feature.
 *
 * Every run is capped (15 min by default); a controller that misses the cap is reported at the cap
 * with ">cap" in the note. Usage: node bench/externalsecrets.ts [N] [--full] [--cold-only | --steady-only]
 * [--without-eso | --without-eso-default] [--cap=SECONDS]
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startKube, type KubePeer } from "../test/peers/kube.ts";
import { sleep, type PeerProcess } from "../test/peers/process.ts";
import { baoApi } from "../test/peers/openbao.ts";
import { DEPLOYMENTS, KubeHttp, SECRETS, type KubeObject, type ResourceType } from "../src/kube/client.ts";
import { loadKubeConfig } from "../src/kube/load-kubeconfig.ts";
import { NAMESPACES, applyCrdFiles, fmt, median, pool, prepareShipped, type BenchRow } from "./lib.ts";
import {
  EXTERNAL_SECRETS, FleetView, apiWrites, auditReads, countsBetween, ksealHeap, fileSize, percentile, procStats, untilReadLull, watchLoop, writesBetween,
} from "./es-observe.ts";
import { ensureEso, esoVersion, ksealEsCrds, startAuditedBao, startEso, startKseal, type AuditedBao } from "./es-peers.ts";

const SECRET_STORES: ResourceType = { group: "external-secrets.io", version: "v1", plural: "secretstores", kind: "SecretStore", namespaced: true };
const NS = "bench";
const ESO_TUNED = ["--concurrent=50", "--client-qps=100", "--client-burst=200"] as const;
const REFRESH_S = 30;
const SETTLE_MS = 5_000;
/**
 * The steady window: exactly two refresh intervals. Refreshes of one store fall on shared grid
 * instants (plan.ts nextOnGrid), so a window of 2.3 intervals held two or three bursts depending on
 * its phase, and "reads per cycle" (reads ÷ window/interval) came out at 0.86 or 1.29 reads per key.
 */
const WINDOW_MS = 2 * REFRESH_S * 1000;
const ROTATE_K = 20;
const WRITE_RESOURCES = ["secrets", "externalsecrets", "externalsecrets/status"] as const;

export interface EsBenchOptions {
  /** Per-run cap; default 15 min. */
  readonly capMs?: number;
  /** Skip the steady-state / store-reads / rotation runs (section 1 only). */
  readonly coldOnly?: boolean;
  /** Run kseal and the floor only (development, or when ESO cannot be built): ESO cells are NaN. */
  readonly withoutEso?: boolean;
  /**
   * Skip ESO with default flags (its cell NaN): at 10,000 it is client-side rate-limited to 50
   * requests/s and would spend most of an hour on the cold sync alone.
   */
  readonly withoutEsoDefault?: boolean;
  /** Only the steady-state sections (the fleet's own cold sync still happens, untimed against peers). */
  readonly steadyOnly?: boolean;
}

type Contestant =
  | { readonly kind: "kseal"; readonly label: string; readonly args: readonly string[] }
  | { readonly kind: "eso"; readonly label: string; readonly args: readonly string[] }
  | { readonly kind: "floor"; readonly label: string };

interface Env {
  readonly bao: AuditedBao;
  readonly workDir: string;
  readonly logDir: string;
  readonly capMs: number;
  readonly eso: () => { bin: string; crds: string[] };
}

const esName = (i: number): string => `es-${String(i).padStart(5, "0")}`;
const keyPath = (prefix: string, k: number): string => `${prefix}/k${String(k).padStart(5, "0")}`;
const b64 = (s: string): string => Buffer.from(s).toString("base64");

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Writes keys 0..count-1 under `prefix` with `value(k)` (field `value`). */
async function writeKeys(bao: AuditedBao, prefix: string, count: number, value: (k: number) => string): Promise<void> {
  await pool(range(count), 32, async (k) => {
    await baoApi(bao, "POST", `secret/data/${keyPath(prefix, k)}`, { data: { value: value(k) } });
  });
}

interface Fleet {
  readonly n: number;
  readonly keys: number;
  readonly prefix: string;
  readonly refresh: string;
  readonly value: (k: number) => string;
}

/**
 * Namespace, token Secret, SecretStore and N ExternalSecrets (ES i reads key i mod keys, target
 * Secret named like the ES). Returns the expected base64 value of each target Secret.
 */
async function createFleet(http: KubeHttp, bao: AuditedBao, fleet: Fleet): Promise<Map<string, string>> {
  await http.create(NAMESPACES, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await http.create(SECRETS, NS, { apiVersion: "v1", kind: "Secret", metadata: { name: "bao-token" }, stringData: { token: bao.token } });
  await http.create(SECRET_STORES, NS, {
    apiVersion: "external-secrets.io/v1", kind: "SecretStore", metadata: { name: "openbao" },
    spec: { provider: { vault: { server: bao.addr, path: "secret", version: "v2", auth: { tokenSecretRef: { name: "bao-token", key: "token" } } } } },
  });
  const expected = new Map<string, string>();
  await pool(range(fleet.n), 32, async (i) => {
    const k = i % fleet.keys;
    expected.set(esName(i), b64(fleet.value(k)));
    await http.create(EXTERNAL_SECRETS, NS, {
      apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name: esName(i) },
      spec: {
        refreshInterval: fleet.refresh,
        secretStoreRef: { name: "openbao", kind: "SecretStore" },
        target: { name: esName(i), creationPolicy: "Owner" },
        data: [{ secretKey: "value", remoteRef: { key: keyPath(fleet.prefix, k), property: "value" } }],
      },
    });
  });
  return expected;
}

/** The floor: N Secret creates and N status patches from this process, 50 in flight. */
async function floorWrites(http: KubeHttp, expected: ReadonlyMap<string, string>): Promise<void> {
  const names = [...expected.keys()];
  await pool(names, 50, async (name) => {
    const es = await http.get(EXTERNAL_SECRETS, NS, name);
    await http.create(SECRETS, NS, {
      apiVersion: "v1", kind: "Secret", type: "Opaque",
      metadata: {
        name,
        labels: { "reconcile.external-secrets.io/managed": "true" },
        ownerReferences: [{ apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", name, uid: es?.metadata?.uid ?? "", controller: true, blockOwnerDeletion: true }],
      },
      data: { value: expected.get(name) ?? "" },
    });
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    await http.mergePatch(EXTERNAL_SECRETS, NS, name, {
      status: {
        refreshTime: now,
        syncedResourceVersion: `1-${name}`,
        binding: { name },
        conditions: [{ type: "Ready", status: "True", reason: "SecretSynced", message: "secret synced", lastTransitionTime: now }],
      },
    }, { subresource: "status" });
  });
}

/** A private control plane with the contestant's CRDs, for the length of `fn`. */
async function withKube<T>(env: Env, c: Contestant, fn: (kube: KubePeer, http: KubeHttp) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(env.workDir, `kube-${c.label.replace(/\W+/g, "-")}-`));
  const kube = await startKube({ workDir: dir, logDir: env.logDir, controllerManager: false });
  try {
    const http = new KubeHttp(loadKubeConfig({ kubeconfig: kube.kubeconfig }));
    await applyCrdFiles(http, c.kind === "eso" ? env.eso().crds : ksealEsCrds());
    return await fn(kube, http);
  } finally {
    await kube.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function spawn(env: Env, kube: KubePeer, c: Contestant, extraKsealArgs: readonly string[] = []): Promise<PeerProcess | undefined> {
  if (c.kind === "kseal") return startKseal(kube, NS, [...c.args, ...extraKsealArgs], env.logDir);
  if (c.kind === "eso") return startEso(kube, env.eso().bin, NS, c.args, env.logDir);
  return undefined;
}

/** Waits until `view.done()`; false when the cap passes first. Throws if the process dies. */
async function untilDone(view: FleetView, proc: PeerProcess | undefined, deadline: number): Promise<boolean> {
  let exited: number | null | undefined;
  void proc?.exited.then((code) => {
    exited = code;
  });
  let report = performance.now() + 5_000;
  while (!view.done()) {
    if (performance.now() > report) {
      report += 5_000;
      console.error(`    … ${String(view.goodSecrets.size)} Secrets right, ${String(view.readyEs.size)} Ready`);
    }
    if (exited !== undefined) throw new Error(`${proc?.name ?? "?"} exited ${String(exited)}:\n${proc?.logTail(25) ?? ""}`);
    if (performance.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

interface ColdResult { readonly seconds: number; readonly capped: boolean; readonly load: number }

async function cold(env: Env, c: Contestant, n: number): Promise<ColdResult> {
  return withKube(env, c, async (kube, http) => {
    const expected = await createFleet(http, env.bao, { n, keys: n, prefix: "cold", refresh: "1h", value: (k) => `cold-value-${String(k)}` });
    const view = new FleetView(expected);
    view.start(http, NS);
    const load = loadavg()[0] ?? Number.NaN;
    const requestsBefore = await apiWrites(http, true);
    const t0 = performance.now();
    const proc = await spawn(env, kube, c, ["--controllers=externalsecret"]);
    try {
      const floor = c.kind === "floor" ? floorWrites(http, expected) : undefined;
      const ok = await untilDone(view, proc, t0 + env.capMs);
      await floor;
      const seconds = (performance.now() - t0) / 1000;
      const cpu = proc === undefined ? "" : `, ${procStats(proc.pid).cpuSeconds.toFixed(1)} CPU s`;
      console.error(`  cold sync ${c.label}: ${ok ? `${seconds.toFixed(2)} s` : `>cap (${String(env.capMs / 1000)} s): ${String(view.goodSecrets.size)} Secrets right, ${String(view.readyEs.size)} Ready`}${cpu}`);
      // What the API server was asked meanwhile (the bench's own watch included), to see where its CPU went.
      console.error(`    API requests: ${countsBetween(requestsBefore, await apiWrites(http, true)).slice(0, 8).join(", ")}`);
      return { seconds, capped: !ok, load };
    } finally {
      await proc?.stop();
      await view.stop();
    }
  });
}

interface SteadyResult {
  readonly coldSeconds: number;
  readonly writes: number;
  /** The writes by resource, e.g. "externalsecrets/status 200". */
  readonly writesBy: string;
  readonly reads: number;
  readonly readsPerCycle: number;
  /** Whether the window started in a lull of the fleet's store reads (see untilReadLull). */
  readonly windowAtLull: boolean;
  /** VmRSS in the window, sampled every second (MB): median, range, and the last reading. */
  readonly rss: { readonly median: number; readonly min: number; readonly max: number; readonly end: number };
  readonly hwmMb: number;
  readonly cpuSeconds: number;
  readonly rotation: readonly number[];
  readonly restarts: readonly number[];
  readonly rotationMissed: number;
}

/** Sections 2–4 for one controller: steady window, store reads per cycle, rotation. */
async function steady(env: Env, c: Contestant, n: number): Promise<SteadyResult> {
  const keys = Math.max(1, Math.floor(n / 10));
  const k = Math.min(ROTATE_K, keys);
  const prefix = `steady-${c.kind}`;
  await writeKeys(env.bao, prefix, keys, (key) => `steady-value-${String(key)}`);
  return withKube(env, c, async (kube, http) => {
    const expected = await createFleet(http, env.bao, { n, keys, prefix, refresh: `${String(REFRESH_S)}s`, value: (key) => `steady-value-${String(key)}` });
    // K Deployments, each asking to be restarted when the Secret of ES i (key i) changes.
    await pool(range(k), 8, async (i) => {
      await http.create(DEPLOYMENTS, NS, {
        apiVersion: "apps/v1", kind: "Deployment",
        metadata: { name: `app-${String(i)}`, annotations: { "secret.reloader.stakater.com/reload": esName(i) } },
        spec: {
          replicas: 0, selector: { matchLabels: { app: `app-${String(i)}` } },
          template: {
            metadata: { labels: { app: `app-${String(i)}` } },
            spec: { containers: [{ name: "app", image: "registry.invalid/app:1", envFrom: [{ secretRef: { name: esName(i) } }] }] },
          },
        },
      });
    });
    const restartedAt = new Map<string, string>();
    const deployAbort = new AbortController();
    let onRestart: ((name: string, atMs: number) => void) | undefined;
    const deployLoop = watchLoop(http, DEPLOYMENTS, NS, deployAbort.signal, (_type, obj: KubeObject) => {
      const name = obj.metadata?.name ?? "";
      const ann = (obj.spec as { template?: { metadata?: { annotations?: Record<string, string> } } } | undefined)?.template?.metadata?.annotations;
      const at = ann?.["kseal.dev/restartedAt"] ?? "";
      if (restartedAt.get(name) !== at) {
        restartedAt.set(name, at);
        onRestart?.(name, performance.now());
      }
    });
    const view = new FleetView(expected);
    view.start(http, NS);
    const t0 = performance.now();
    const proc = await spawn(env, kube, c, ["--controllers=externalsecret,rollout", "--restart-debounce=1s"]);
    if (proc === undefined) throw new Error("steady state needs a controller");
    try {
      if (!await untilDone(view, proc, t0 + env.capMs)) throw new Error(`${c.label}: cold sync of the steady fleet missed the cap`);
      const coldSeconds = (performance.now() - t0) / 1000;
      const coldCpu = procStats(proc.pid).cpuSeconds;
      await sleep(SETTLE_MS);
      const atLull = await untilReadLull(env.bao.auditFile, `secret/data/${prefix}/`, 2_000, REFRESH_S * 1000 + 5_000);
      const w0 = await apiWrites(http);
      const a0 = fileSize(env.bao.auditFile);
      const p0 = procStats(proc.pid);
      const windowStart = performance.now();
      // Resident memory once a second through the window: it moves with the controller's bursts
      // and heap trims, so one reading at the window's end says little on its own.
      const rssSamples: number[] = [];
      while (performance.now() - windowStart < WINDOW_MS) {
        rssSamples.push(procStats(proc.pid).rss / 2 ** 20);
        await sleep(Math.max(0, Math.min(1000, WINDOW_MS - (performance.now() - windowStart))));
      }
      const windowS = (performance.now() - windowStart) / 1000;
      const w1 = await apiWrites(http);
      const a1 = fileSize(env.bao.auditFile);
      const p1 = procStats(proc.pid);
      const reads = auditReads(env.bao.auditFile, a0, a1, `secret/data/${prefix}/`);
      const rss = { median: median(rssSamples), min: Math.min(...rssSamples), max: Math.max(...rssSamples), end: p1.rss / 2 ** 20 };
      console.error(`  steady ${c.label}: RSS every 5 s (MB): ${rssSamples.filter((_, i) => i % 5 === 0).map((x) => x.toFixed(0)).join(" ")}`);
      if (c.kind === "kseal") console.error(`  steady ${c.label}: RSS median ${rss.median.toFixed(0)} MB (${rss.min.toFixed(0)}–${rss.max.toFixed(0)}); at the end ${rss.end.toFixed(0)} MB (anonymous ${(p1.rssAnon / 2 ** 20).toFixed(0)}, file-backed ${(p1.rssFile / 2 ** 20).toFixed(0)}), ${await ksealHeap(proc.logFile)}`);

      // Rotation: new values for keys 0..k-1; ES 0..k-1 are the measured ones.
      const rotation = new Map<string, number>();
      const restarts = new Map<string, number>();
      const started = new Map<string, number>();
      view.onSecret = (name, value, at) => {
        const t = started.get(name);
        if (t !== undefined && !rotation.has(name) && value === expected.get(name)) rotation.set(name, (at - t) / 1000);
      };
      onRestart = (name, at) => {
        const t = started.get(esName(Number(name.slice("app-".length))));
        if (t !== undefined && !restarts.has(name)) restarts.set(name, (at - t) / 1000);
      };
      // Rotations spread evenly over one interval: a store change happens at any moment, and a
      // controller whose refreshes share grid instants would otherwise be measured at one phase.
      const rotateFrom = performance.now();
      for (let key = 0; key < k; key++) {
        await sleep(Math.max(0, rotateFrom + (key * REFRESH_S * 1000) / k - performance.now()));
        const value = `rotated-value-${String(key)}`;
        for (let i = key; i < n; i += keys) expected.set(esName(i), b64(value));
        started.set(esName(key), performance.now());
        await baoApi(env.bao, "POST", `secret/data/${keyPath(prefix, key)}`, { data: { value } });
      }
      const wantRestarts = c.kind === "kseal" ? k : 0;
      const rotationDeadline = performance.now() + 2 * REFRESH_S * 1000 + 30_000;
      while ((rotation.size < k || restarts.size < wantRestarts) && performance.now() < rotationDeadline) await sleep(50);
      console.error(`  steady ${c.label}: cold ${coldSeconds.toFixed(1)} s (${coldCpu.toFixed(1)} CPU s), ${String(writesBetween(w0, w1, WRITE_RESOURCES))} writes, ${String(reads)} reads in ${windowS.toFixed(0)} s, rotation ${String(rotation.size)}/${String(k)}, restarts ${String(restarts.size)}/${String(wantRestarts)}`);
      return {
        coldSeconds,
        writes: writesBetween(w0, w1, WRITE_RESOURCES),
        writesBy: WRITE_RESOURCES.map((r) => `${r} ${String(writesBetween(w0, w1, [r]))}`).join(", "),
        reads,
        readsPerCycle: reads / (windowS / REFRESH_S),
        windowAtLull: atLull,
        rss,
        hwmMb: p1.hwm / 2 ** 20,
        cpuSeconds: p1.cpuSeconds - p0.cpuSeconds,
        rotation: [...rotation.values()],
        restarts: [...restarts.values()],
        rotationMissed: k - rotation.size,
      };
    } finally {
      await proc.stop();
      await view.stop();
      deployAbort.abort();
      await deployLoop;
    }
  });
}

const capped = (label: string, r: ColdResult, capMs: number): string => r.capped ? `${label} >cap (${String(capMs / 1000)} s; figure shown is the cap)` : "";
const pct = (xs: readonly number[], p: number): number => xs.length === 0 ? Number.NaN : percentile(xs, p);

/** Runs all ExternalSecret sections for a fleet of N and returns their rows. */
export async function benchExternalSecrets(n: number, opts: EsBenchOptions = {}): Promise<BenchRow[]> {
  prepareShipped();
  let esoPeer: { bin: string; crds: string[] } | undefined;
  const eso = (): { bin: string; crds: string[] } => esoPeer ??= ensureEso();
  if (opts.withoutEso !== true) eso();
  const workDir = mkdtempSync(join(tmpdir(), "kseal-bench-es-"));
  const logDir = join(workDir, "logs");
  mkdirSync(logDir, { recursive: true });
  const bao = await startAuditedBao(workDir, logDir);
  const env: Env = { bao, workDir, logDir, capMs: opts.capMs ?? 15 * 60_000, eso };
  const kseal: Contestant = { kind: "kseal", label: "kseal", args: [] };
  const esoDefault: Contestant = { kind: "eso", label: "ESO default", args: [] };
  const esoTuned: Contestant = { kind: "eso", label: "ESO tuned", args: ESO_TUNED };
  const floor: Contestant = { kind: "floor", label: "floor" };
  const version = esoVersion();
  try {
    const coldRows = async (): Promise<BenchRow[]> => {
      await writeKeys(bao, "cold", n, (k) => `cold-value-${String(k)}`);
      const rK = await cold(env, kseal, n);
      const skipped: ColdResult = { seconds: Number.NaN, capped: false, load: Number.NaN };
      const rDefault = opts.withoutEso === true || opts.withoutEsoDefault === true ? skipped : await cold(env, esoDefault, n);
      const rTuned = opts.withoutEso === true ? skipped : await cold(env, esoTuned, n);
      const rFloor = await cold(env, floor, n);
      const capNotes = [capped("kseal", rK, env.capMs), capped("ESO default", rDefault, env.capMs), capped("ESO tuned", rTuned, env.capMs)]
        .filter((s) => s !== "").join("; ");
      const coldNote = `N=${String(n)} ExternalSecrets, 1 key each, OpenBao KV v2 token auth; spawn → all Secrets right and all ES Ready=True (watched); `
        + `ESO ${version} core controller, default flags (--concurrent=1 --client-qps=50 --client-burst=100)`
        + `${capNotes === "" ? "" : `; ${capNotes}`}; 1-min load average at each spawn (shared machine): kseal ${rK.load.toFixed(1)}, ESO default ${rDefault.load.toFixed(1)}, `
        + `ESO tuned ${rTuned.load.toFixed(1)}, floor ${rFloor.load.toFixed(1)}; targets: 10k ≤ 60 s, ≥ 3× faster than tuned ESO, ≤ 1.5× the floor`;
      return [
        { name: `cold sync ${String(n)} ExternalSecrets`, unit: "s", kseal: rK.seconds, peer: rDefault.seconds, peerName: `ESO ${version} default`, lowerIsBetter: true, note: coldNote },
        { name: `cold sync ${String(n)} ExternalSecrets (tuned peer)`, unit: "s", kseal: rK.seconds, peer: rTuned.seconds, peerName: `ESO ${version} ${ESO_TUNED.join(" ")}`, lowerIsBetter: true },
        { name: `cold sync ${String(n)} ExternalSecrets (floor)`, unit: "s", kseal: rK.seconds, peer: rFloor.seconds, peerName: "floor: bench client writes", lowerIsBetter: true,
          note: `floor = this process creating the N Secrets and patching N ES statuses, 50 in flight, no store reads, no start-up (target kseal/floor ≤ 1.5; measured ${fmt(rK.seconds / rFloor.seconds)})` },
      ];
    };
    const rows: BenchRow[] = opts.steadyOnly === true ? [] : await coldRows();
    if (opts.coldOnly === true) return rows;

    const sK = await steady(env, kseal, n);
    const sE: SteadyResult = opts.withoutEso === true
      ? { coldSeconds: Number.NaN, writes: Number.NaN, writesBy: "not run", reads: Number.NaN, readsPerCycle: Number.NaN, windowAtLull: false, rss: { median: Number.NaN, min: Number.NaN, max: Number.NaN, end: Number.NaN }, hwmMb: Number.NaN,
          cpuSeconds: Number.NaN, rotation: [], restarts: [], rotationMissed: 0 }
      : await steady(env, esoTuned, n);
    const keys = Math.max(1, Math.floor(n / 10));
    const peerName = `ESO ${version} tuned`;
    const windowStart = (r: SteadyResult): string => (r.windowAtLull ? "at a lull in its store reads" : "no lull found");
    const window = `${String(WINDOW_MS / 1000)} s window from ${String(SETTLE_MS / 1000)} s after cold sync, started (kseal ${windowStart(sK)}, ESO ${windowStart(sE)}), refreshInterval ${String(REFRESH_S)} s, N=${String(n)} ES over ${String(keys)} keys`;
    rows.push(
      { name: `steady: API writes in ${String(WINDOW_MS / 1000)} s (${String(n)} ES)`, unit: "requests", kseal: sK.writes, peer: sE.writes, peerName, lowerIsBetter: true,
        note: `${window}; mutating requests on secrets, externalsecrets, externalsecrets/status from apiserver_request_total (kseal: ${sK.writesBy}; ESO: ${sE.writesBy}); target kseal 0` },
      { name: `steady: controller RSS (${String(n)} ES)`, unit: "MB", kseal: sK.rss.median, peer: sE.rss.median, peerName, lowerIsBetter: true,
        note: `median VmRSS of one reading a second through the window (range kseal ${fmt(sK.rss.min)}–${fmt(sK.rss.max)} MB, ESO ${fmt(sE.rss.min)}–${fmt(sE.rss.max)} MB; at the window's end kseal ${fmt(sK.rss.end)}, ESO ${fmt(sE.rss.end)} MB; peak VmHWM kseal ${fmt(sK.hwmMb)} MB, ESO ${fmt(sE.hwmMb)} MB); target kseal ≤ 150 MB` },
      { name: `steady: controller CPU in ${String(WINDOW_MS / 1000)} s (${String(n)} ES)`, unit: "CPU s", kseal: sK.cpuSeconds, peer: sE.cpuSeconds, peerName, lowerIsBetter: true },
      { name: `store reads per refresh cycle (${String(n)} ES / ${String(keys)} keys)`, unit: "reads", kseal: sK.readsPerCycle, peer: sE.readsPerCycle, peerName, lowerIsBetter: true,
        note: `OpenBao audit log, read requests on the fleet's KV data paths in the window (kseal ${String(sK.reads)}, ESO ${String(sE.reads)}) ÷ window/refreshInterval; target kseal ≤ ${String(keys)} (distinct keys)` },
    );
    const k = Math.min(ROTATE_K, keys);
    const missed = [sK.rotationMissed > 0 ? `kseal missed ${String(sK.rotationMissed)}` : "", sE.rotationMissed > 0 ? `ESO missed ${String(sE.rotationMissed)}` : ""]
      .filter((s) => s !== "").join(", ");
    const rotNote = `${String(k)} keys rotated in OpenBao after the window, one every ${String(REFRESH_S / k)} s (spread over one interval), refreshInterval ${String(REFRESH_S)} s (on schedule the latency is ~uniform over one interval plus processing; more means the controller is behind), `
      + `until the watched Secret holds the new value${missed === "" ? "" : ` (${missed} within 2 intervals + 30 s)`}`;
    rows.push(
      { name: "rotation → Secret p50", unit: "s", kseal: pct(sK.rotation, 50), peer: pct(sE.rotation, 50), peerName, lowerIsBetter: true, note: rotNote },
      { name: "rotation → Secret p99", unit: "s", kseal: pct(sK.rotation, 99), peer: pct(sE.rotation, 99), peerName, lowerIsBetter: true },
      { name: "rotation → workload restart p50", unit: "s", kseal: pct(sK.restarts, 50), peer: Number.NaN, peerName: "ESO: n/a (no restart feature)", lowerIsBetter: true,
        note: `kseal rollout controller, --restart-debounce=1s, Deployment annotated secret.reloader.stakater.com/reload; ${String(sK.restarts.length)}/${String(k)} restarted` },
      { name: "rotation → workload restart p99", unit: "s", kseal: pct(sK.restarts, 99), peer: Number.NaN, peerName: "ESO: n/a (no restart feature)", lowerIsBetter: true },
    );
    console.error(`  steady fleets synced in: kseal ${sK.coldSeconds.toFixed(1)} s, ESO tuned ${sE.coldSeconds.toFixed(1)} s`);
    return rows;
  } finally {
    await bao.process.stop();
    // KSEAL_BENCH_KEEP=1 keeps the controllers' logs for a look after the run.
    if (process.env.KSEAL_BENCH_KEEP === "1") console.error(`  logs kept in ${logDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { stopPeersOnInterrupt, table } = await import("./lib.ts");
  stopPeersOnInterrupt();
  const { unsealCount } = await import("./unseal.ts");
  const args = process.argv.slice(2);
  const coldOnly = args.includes("--cold-only");
  const steadyOnly = args.includes("--steady-only");
  const withoutEso = args.includes("--without-eso");
  const withoutEsoDefault = args.includes("--without-eso-default");
  const capArg = args.find((a) => a.startsWith("--cap="));
  const rest = args.filter((a) => a !== "--cold-only" && a !== "--steady-only" && a !== "--without-eso" && a !== "--without-eso-default" && a !== capArg);
  const rows = await benchExternalSecrets(unsealCount(rest), {
    coldOnly,
    steadyOnly,
    withoutEso,
    withoutEsoDefault,
    ...(capArg === undefined ? {} : { capMs: Number(capArg.slice("--cap=".length)) * 1000 }),
  });
  console.log(table(rows));
}
