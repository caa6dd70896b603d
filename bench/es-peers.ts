/**
 * The processes of the ExternalSecret benchmarks: OpenBao in dev mode with a file audit device
 * (declared in its config: OpenBao refuses to enable audit devices through the API), the External
 * Secrets Operator core controller, and kseal-operator. Each is spawned in its own process group
 * and stopped by the caller.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KubePeer } from "../test/peers/kube.ts";
import { freePort, peerBin, peersDir, startProcess, type PeerProcess } from "../test/peers/process.ts";
import { NODE, ROOT, benchOperatorArgs, benchOperatorEnv } from "./lib.ts";

export interface AuditedBao {
  readonly addr: string;
  readonly token: string;
  readonly auditFile: string;
  readonly process: PeerProcess;
}

/**
 * OpenBao dev server (KV v2 at `secret/`) whose every request is logged to `<dir>/audit.log`, on
 * Raft storage as in production. The dev default, transactional in-memory storage, copies its whole
 * tree at the start of every read transaction: at 10,000 keys a KV read cost OpenBao ~45 ms of CPU
 * (pprof: go-radix NewFromMap under BeginReadOnlyTx), so both operators measured OpenBao's dev
 * backend instead of themselves.
 */
export async function startAuditedBao(dir: string, logDir: string): Promise<AuditedBao> {
  const port = await freePort();
  const clusterPort = await freePort();
  const addr = `http://127.0.0.1:${String(port)}`;
  const token = `root-${randomBytes(12).toString("hex")}`;
  const auditFile = join(dir, "audit.log");
  const config = join(dir, "bao.hcl");
  const raft = join(dir, "raft");
  mkdirSync(raft, { recursive: true });
  writeFileSync(config, [
    `audit "file" "bench" {\n  options {\n    file_path = "${auditFile}"\n  }\n}`,
    `storage "raft" {\n  path    = "${raft}"\n  node_id = "bench"\n}`,
    `api_addr     = "${addr}"`,
    `cluster_addr = "http://127.0.0.1:${String(clusterPort)}"`,
    "",
  ].join("\n"));
  const proc = await startProcess({
    name: "openbao",
    command: peerBin("bao"),
    args: ["server", "-dev", `-dev-root-token-id=${token}`, `-dev-listen-address=127.0.0.1:${String(port)}`, `-config=${config}`],
    logDir,
    env: { VAULT_ADDR: addr, BAO_ADDR: addr, HOME: dir },
    ready: async () => {
      const health = await fetch(`${addr}/v1/sys/health`);
      if (health.status !== 200) return false;
      // A mounted KV v2 still refuses writes while it upgrades its storage ("Upgrading from
      // non-versioned to versioned data"): ready is when a write goes through.
      const probe = await fetch(`${addr}/v1/secret/data/bench-ready`, {
        method: "POST", headers: { "X-Vault-Token": token, "content-type": "application/json" }, body: JSON.stringify({ data: { ready: "yes" } }),
      });
      return probe.status === 200;
    },
  });
  return { addr, token, auditFile, process: proc };
}

/** kseal's external-secrets.io CRDs (config/crd). */
export function ksealEsCrds(): string[] {
  const dir = join(ROOT, "config/crd");
  return readdirSync(dir).filter((f) => f.startsWith("external-secrets.io_")).map((f) => join(dir, f));
}

/**
 * ESO's binary and CRDs, built by test/peers/install.sh (cached); installs them when missing and
 * throws with the installer's tail when that fails.
 */
export function ensureEso(): { bin: string; crds: string[] } {
  const bin = join(peersDir(), "bin", "external-secrets");
  const crdDir = join(peersDir(), "eso-crds");
  const present = (): boolean => existsSync(bin) && existsSync(crdDir) && readdirSync(crdDir).some((f) => f.endsWith(".yaml"));
  if (!present()) {
    const r = spawnSync("bash", [join(ROOT, "test/peers/install.sh"), "eso"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    if (r.status !== 0 || !present()) {
      throw new Error(`External Secrets Operator is not installed and test/peers/install.sh eso failed:\n${`${r.stdout}\n${r.stderr}`.split("\n").slice(-15).join("\n")}`);
    }
  }
  const crds = readdirSync(crdDir).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml").map((f) => join(crdDir, f));
  return { bin, crds };
}

/** ESO's version line (`external-secrets --help` does not print one; the install pins it). */
export function esoVersion(): string {
  try {
    const stamp = join(peersDir(), "eso.stamp");
    if (existsSync(stamp)) return readFileSync(stamp, "utf8").trim();
    const script = readFileSync(join(ROOT, "test/peers/install.sh"), "utf8");
    return /^ESO_VERSION=(\S+)/m.exec(script)?.[1] ?? "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * The ESO core controller (no webhook, no cert-controller: neither is on the ExternalSecret sync
 * path) scoped to `namespace`, with the admin kubeconfig.
 */
export async function startEso(kube: KubePeer, bin: string, namespace: string, extraArgs: readonly string[], logDir: string): Promise<PeerProcess> {
  const metrics = await freePort();
  const live = await freePort();
  return startProcess({
    name: "external-secrets",
    command: bin,
    args: [`--namespace=${namespace}`, `--metrics-addr=127.0.0.1:${String(metrics)}`, `--live-addr=127.0.0.1:${String(live)}`, ...extraArgs],
    logDir,
    env: { KUBECONFIG: kube.kubeconfig },
    ready: () => Promise.resolve(true),
  });
}

/** kseal-operator scoped to `namespace`, as the benchmarks run it ({@link benchOperatorArgs}). */
export async function startKseal(kube: KubePeer, namespace: string, extraArgs: readonly string[], logDir: string): Promise<PeerProcess> {
  return startProcess({
    name: "kseal-operator",
    command: NODE,
    args: benchOperatorArgs({ kubeconfig: kube.kubeconfig, namespace }, ["--no-enable-leader-election", ...extraArgs]),
    env: benchOperatorEnv(),
    logDir,
    ready: () => Promise.resolve(true),
  });
}
