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
import { readFileSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseAllDocuments } from "yaml";
import { startKube, type KubePeer } from "../test/peers/kube.ts";
import { freePort, peerBin, startProcess, waitFor, type PeerProcess } from "../test/peers/process.ts";
import { KubeHttp, SECRETS, loadKubeConfig, type KubeObject, type ResourceType } from "../src/kube/client.ts";
import { generateSealingKey, keySecret, parseSealingCertificate, sealSecret } from "../src/sealing/index.ts";
import { NODE, ROOT, type BenchRow } from "./lib.ts";

const SEALED_SECRETS: ResourceType = { group: "bitnami.com", version: "v1alpha1", plural: "sealedsecrets", kind: "SealedSecret", namespaced: true };
const NAMESPACES: ResourceType = { group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false };
const CRDS: ResourceType = {
  group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions", kind: "CustomResourceDefinition", namespaced: false,
};

export interface UnsealResult {
  readonly seconds: number;
  readonly perSecond: number;
  /** CPU seconds (user + system, all threads) the controller process used: contention-independent. */
  readonly cpuSeconds: number;
}

/** CPU seconds used so far by process `pid` (Linux /proc; 0 when unreadable). */
function cpuSecondsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${String(pid)}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    // utime and stime, fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) {
      const item = items[i];
      if (item !== undefined) await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function applyCrd(http: KubeHttp): Promise<void> {
  const text = readFileSync(join(ROOT, "config/crd/bitnami.com_sealedsecrets.yaml"), "utf8");
  for (const doc of parseAllDocuments(text)) {
    const crd = doc.toJS() as KubeObject | null;
    if (crd === null) continue;
    const name = crd.metadata?.name ?? "";
    await http.apply(CRDS, undefined, name, crd, { fieldManager: "kseal-bench", force: true });
    await waitFor(`CRD ${name} Established`, async () => {
      const got = await http.get<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>(CRDS, undefined, name);
      return got?.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") === true;
    });
  }
}

/** Creates the namespace, its active key Secret and N SealedSecrets sealed for that key. */
export async function prepare(http: KubeHttp, namespace: string, key: { privateKeyPem: string; certificatePem: string }, n: number): Promise<void> {
  await http.create(NAMESPACES, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
  await http.create(SECRETS, namespace, keySecret(namespace, key) as KubeObject);
  const cert = parseSealingCertificate(key.certificatePem, new Date());
  const indices = Array.from({ length: n }, (_, i) => i);
  await pool(indices, 32, async (i) => {
    const sealed = sealSecret({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: `bench-${String(i).padStart(5, "0")}`, namespace },
      data: {
        username: Buffer.from(`user-${String(i)}`).toString("base64"),
        password: Buffer.from(`bench-not-a-secret-${String(i)}`).toString("base64"),
      },
    }, { publicKey: cert.publicKey });
    await http.create(SEALED_SECRETS, namespace, sealed as unknown as KubeObject);
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

async function runKseal(kube: KubePeer, http: KubeHttp, namespace: string, n: number, logDir: string): Promise<UnsealResult> {
  const t0 = performance.now();
  const proc = await startProcess({
    name: "kseal-operator",
    command: NODE,
    args: [
      join(ROOT, "src/operator/main.ts"),
      `--kubeconfig=${kube.kubeconfig}`,
      `--namespace=${namespace}`,
      `--watch-namespace=${namespace}`,
      "--metrics-port=0",
      "--api-port=0",
      "--bind-host=127.0.0.1",
      "--key-renew-period=0",
      "--controllers=sealedsecret",
    ],
    logDir,
    ready: () => Promise.resolve(true),
  });
  try {
    await waitForSecrets(http, namespace, n, proc, Math.max(120_000, n * 200));
    const seconds = (performance.now() - t0) / 1000;
    return { seconds, perSecond: n / seconds, cpuSeconds: cpuSecondsOf(proc.pid) };
  } catch (e: unknown) {
    throw new Error(`${String(e)}\nkseal-operator log:\n${proc.logTail(30)}`, { cause: e });
  } finally {
    await proc.stop();
  }
}

async function runBitnami(kube: KubePeer, http: KubeHttp, namespace: string, n: number, logDir: string): Promise<UnsealResult> {
  const bin = peerBin("sealed-secrets-controller");
  const server = new URL(kube.server);
  // The controller only knows in-cluster config: give it a pod-like /run in a private mount
  // namespace (see test/support/bitnami.ts for the why).
  const dir = mkdtempSync(join(tmpdir(), "kseal-bench-bitnami-"));
  const sa = join(dir, "run", "secrets", "kubernetes.io", "serviceaccount");
  mkdirSync(sa, { recursive: true });
  writeFileSync(join(sa, "token"), kube.adminToken);
  writeFileSync(join(sa, "ca.crt"), readFileSync(kube.caFile));
  writeFileSync(join(sa, "namespace"), namespace);
  const port = await freePort();
  const metricsPort = await freePort();
  const t0 = performance.now();
  const proc = await startProcess({
    name: "sealed-secrets-controller",
    command: "unshare",
    args: ["-m", "--propagation", "private", "sh", "-c", 'mount --bind "$0" /run && exec "$@"', join(dir, "run"), bin,
      // Without this, client-go's default 5 QPS / burst 10 bounds it to ~1.7 unseals/s (3 requests each):
      // compare against the controller at its best.
      "--all-namespaces=false", "--key-renew-period=0", "--kubeclient-qps=-1",
      `--listen-addr=127.0.0.1:${String(port)}`, `--listen-metrics-addr=127.0.0.1:${String(metricsPort)}`],
    logDir,
    env: {
      KUBERNETES_SERVICE_HOST: server.hostname,
      KUBERNETES_SERVICE_PORT: server.port === "" ? "443" : server.port,
      POD_NAMESPACE: namespace,
    },
    ready: () => Promise.resolve(true),
  });
  try {
    await waitForSecrets(http, namespace, n, proc, Math.max(120_000, n * 200));
    const seconds = (performance.now() - t0) / 1000;
    return { seconds, perSecond: n / seconds, cpuSeconds: cpuSecondsOf(proc.pid) };
  } catch (e: unknown) {
    throw new Error(`${String(e)}\nsealed-secrets-controller log:\n${proc.logTail(30)}`, { cause: e });
  } finally {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts a private control plane, runs both controllers on N SealedSecrets each, stops it. */
export async function benchUnseal(n: number): Promise<BenchRow[]> {
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
  const { table } = await import("./lib.ts");
  console.log(table(await benchUnseal(unsealCount(process.argv.slice(2)))));
}
