/**
 * Cold unseal of N SealedSecrets: kseal-operator vs the Bitnami sealed-secrets controller on the
 * same private control plane (etcd + kube-apiserver), each scoped to its own namespace.
 *
 * For each controller: the same pre-made sealing key (4096-bit RSA, labelled active) is stored in its
 * namespace, N SealedSecrets sealed in-process for that key are created there, and only then is the
 * controller started. The clock runs from spawning the controller until all N Secrets exist
 * (a metadata-only list count, polled every 200 ms): start-up, key loading, the initial list and
 * every unseal + Secret create are included.
 *
 * The Bitnami controller runs with `--kubeclient-qps=-1` (no client-side rate limit); at its default
 * (5 QPS, burst 10) it is API-rate-bound, not CPU-bound, and the comparison would say nothing.
 *
 * Usage: node bench/unseal.ts [N] [--full]   (N defaults to 1000; --full means 10000)
 */
import type { KeyObject } from "node:crypto";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startKube, type KubePeer } from "../test/peers/kube.ts";
import { freePort, startProcess, waitFor, type PeerProcess } from "../test/peers/process.ts";
import { bitnamiInCluster } from "../test/support/processes.ts";
import { KubeHttp, SECRETS, type KubeObject, type ResourceType } from "../src/kube/client.ts";
import { loadKubeConfig } from "../src/kube/load-kubeconfig.ts";
import { generateSealingKey, keySecret, parseSealingCertificate, sealSecret, type SealedSecret } from "../src/sealing/index.ts";
import { procStats } from "./es-observe.ts";
import { NAMESPACES, NODE, ROOT, applyCrdFiles, benchOperatorArgs, benchOperatorEnv, pool, prepareShipped, type BenchRow } from "./lib.ts";

const SEALED_SECRETS: ResourceType = { group: "bitnami.com", version: "v1alpha1", plural: "sealedsecrets", kind: "SealedSecret", namespaced: true };

export interface UnsealResult {
  readonly seconds: number;
  readonly perSecond: number;
  /** CPU seconds (user + system, all threads) the controller process used: contention-independent. */
  readonly cpuSeconds: number;
}

/** Applies the SealedSecret CRD (config/crd) and waits until it is Established. */
export async function applyCrd(http: KubeHttp): Promise<void> {
  await applyCrdFiles(http, [join(ROOT, "config/crd/bitnami.com_sealedsecrets.yaml")]);
}

/** The i-th benchmark SealedSecret (`bench-0000i`, two items: username and password) sealed for `publicKey`. */
export function benchSealedSecret(namespace: string, i: number, publicKey: KeyObject): SealedSecret {
  return sealSecret({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `bench-${String(i).padStart(5, "0")}`, namespace },
    data: {
      username: Buffer.from(`user-${String(i)}`).toString("base64"),
      password: Buffer.from(`bench-not-a-secret-${String(i)}`).toString("base64"),
    },
  }, { publicKey });
}

/** Creates the namespace, its active key Secret and N SealedSecrets sealed for that key. */
export async function prepare(http: KubeHttp, namespace: string, key: { privateKeyPem: string; certificatePem: string }, n: number): Promise<void> {
  await http.create(NAMESPACES, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
  await http.create(SECRETS, namespace, keySecret(namespace, key) as KubeObject);
  const cert = parseSealingCertificate(key.certificatePem, new Date());
  const indices = Array.from({ length: n }, (_, i) => i);
  await pool(indices, 32, async (i) => {
    await http.create(SEALED_SECRETS, namespace, benchSealedSecret(namespace, i, cert.publicKey) as unknown as KubeObject);
  });
}

/** Polls until `n` Opaque Secrets (the unsealed ones; the key Secret is kubernetes.io/tls) exist. */
export async function waitForSecrets(http: KubeHttp, namespace: string, n: number, proc: PeerProcess, timeoutMs: number): Promise<void> {
  await waitFor(`${String(n)} Secrets in ${namespace}`, async () => {
    const code = await Promise.race([proc.exited, Promise.resolve("running" as const)]);
    if (code !== "running") throw new Error(`${proc.name} exited ${String(code)}:\n${proc.logTail(20)}`);
    const list = await http.list(SECRETS, { namespace, fieldSelector: "type=Opaque", metadataOnly: true });
    return list.items.length >= n;
  }, timeoutMs, 200);
}

/**
 * Waits until `proc`, spawned at `t0`, has unsealed all N, then stops it; a failure carries its log
 * tail.
 */
async function measure(http: KubeHttp, namespace: string, n: number, proc: PeerProcess, t0: number): Promise<UnsealResult> {
  try {
    await waitForSecrets(http, namespace, n, proc, Math.max(120_000, n * 200));
    const seconds = (performance.now() - t0) / 1000;
    return { seconds, perSecond: n / seconds, cpuSeconds: procStats(proc.pid).cpuSeconds };
  } catch (e: unknown) {
    throw new Error(`${String(e)}\n${proc.name} log:\n${proc.logTail(30)}`, { cause: e });
  } finally {
    await proc.stop();
  }
}

async function runKseal(kube: KubePeer, http: KubeHttp, namespace: string, n: number, logDir: string): Promise<UnsealResult> {
  const t0 = performance.now();
  const proc = await startProcess({
    name: "kseal-operator",
    command: NODE,
    args: benchOperatorArgs({ kubeconfig: kube.kubeconfig, namespace }, ["--controllers=sealedsecret"]),
    env: benchOperatorEnv(),
    logDir,
    ready: () => Promise.resolve(true),
  });
  return measure(http, namespace, n, proc, t0);
}

async function runBitnami(kube: KubePeer, http: KubeHttp, namespace: string, n: number, logDir: string): Promise<UnsealResult> {
  const dir = mkdtempSync(join(tmpdir(), "kseal-bench-bitnami-"));
  const port = await freePort();
  const metricsPort = await freePort();
  const controller = bitnamiInCluster(dir, { server: kube.server, caFile: kube.caFile, token: kube.adminToken }, namespace, [
    // Without this, client-go's default 5 QPS / burst 10 bounds it to ~1.7 unseals/s (3 requests each):
    // compare against the controller at its best.
    "--key-renew-period=0", "--kubeclient-qps=-1",
    `--listen-addr=127.0.0.1:${String(port)}`, `--listen-metrics-addr=127.0.0.1:${String(metricsPort)}`,
  ]);
  try {
    const t0 = performance.now();
    const proc = await startProcess({ name: "sealed-secrets-controller", ...controller, logDir, ready: () => Promise.resolve(true) });
    return await measure(http, namespace, n, proc, t0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts a private control plane, runs both controllers on N SealedSecrets each, stops it. */
export async function benchUnseal(n: number): Promise<BenchRow[]> {
  prepareShipped();
  const workDir = mkdtempSync(join(tmpdir(), "kseal-bench-unseal-"));
  const logDir = join(workDir, "logs");
  mkdirSync(logDir, { recursive: true });
  const kube = await startKube({ workDir, logDir, controllerManager: false });
  try {
    const http = new KubeHttp(loadKubeConfig({ kubeconfig: kube.kubeconfig }));
    await applyCrd(http);
    const key = generateSealingKey({ now: new Date() });
    const prepStart = performance.now();
    await prepare(http, "bench-kseal", key, n);
    await prepare(http, "bench-bitnami", key, n);
    console.error(`created ${String(2 * n)} SealedSecrets in ${((performance.now() - prepStart) / 1000).toFixed(1)} s`);
    const kseal = await runKseal(kube, http, "bench-kseal", n, logDir);
    console.error(`kseal-operator: ${kseal.seconds.toFixed(2)} s, ${kseal.cpuSeconds.toFixed(1)} CPU s`);
    const bitnami = await runBitnami(kube, http, "bench-bitnami", n, logDir);
    console.error(`sealed-secrets-controller: ${bitnami.seconds.toFixed(2)} s, ${bitnami.cpuSeconds.toFixed(1)} CPU s`);
    const note = `N=${String(n)} SealedSecrets of 2 keys each, 4096-bit key, from controller spawn to all N Secrets listed; Bitnami with --kubeclient-qps=-1 (target kseal/Bitnami <= 0.5)`;
    return [
      { name: `cold unseal of ${String(n)} SealedSecrets`, unit: "s", kseal: kseal.seconds, peer: bitnami.seconds,
        peerName: "sealed-secrets-controller", lowerIsBetter: true, note },
      { name: `cold unseal throughput (${String(n)})`, unit: "Secrets/s", kseal: kseal.perSecond, peer: bitnami.perSecond,
        peerName: "sealed-secrets-controller", lowerIsBetter: false },
      { name: `controller CPU for cold unseal of ${String(n)}`, unit: "CPU s", kseal: kseal.cpuSeconds, peer: bitnami.cpuSeconds,
        peerName: "sealed-secrets-controller", lowerIsBetter: true,
        note: "user + system CPU of the controller process (all threads) from spawn to the last Secret; unlike wall time it does not move with other load on the machine (the API server's and etcd's share is not counted)" },
    ];
  } finally {
    await kube.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** N from argv: a number, or --full for 10000; default 1000. */
export function unsealCount(argv: readonly string[]): number {
  const { values, positionals } = parseArgs({ args: [...argv], options: { full: { type: "boolean" } }, allowPositionals: true });
  if (values.full === true) return 10_000;
  const raw = positionals[0];
  if (raw === undefined) return 1000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`N must be a positive integer, got "${raw}"`);
  return n;
}

if (import.meta.main) {
  const { stopPeersOnInterrupt, table } = await import("./lib.ts");
  stopPeersOnInterrupt();
  console.log(table(await benchUnseal(unsealCount(process.argv.slice(2)))));
}
