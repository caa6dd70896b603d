// kube-apiserver stopped under a running kseal-operator and restarted on the same port and certs
// (etcd keeps running, so data survives), on a PRIVATE control plane so no other test file sees
// the outage. The outage outlasts the leader's renew deadline, so the operator must both recover
// its watches and win its Lease back. Right after the restart: a new SealedSecret is opened and a
// deleted Secret is recreated, by the same process.
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpsOk, startKube, type KubePeer } from "../peers/kube.ts";
import { sleep, startProcess, waitFor, type PeerProcess } from "../peers/process.ts";
import { createNamespace } from "../support/kube.ts";
import { applyProjectCrds, startOperator, type RunningOperatorProcess } from "../support/operator.ts";
import { SEALED, kubeFrom, logged, sealerOf, secretData, type FaultKube } from "./support.ts";

const workDir = mkdtempSync(join(tmpdir(), "kseal-faults-kube-"));
// Longer than the leader's 10 s renew deadline: leadership is lost and must be regained.
const OUTAGE_MS = 12_000;
let peer: KubePeer;
let kube: FaultKube;
let op: RunningOperatorProcess | undefined;
let restarted: PeerProcess | undefined;

/** /readyz of the private API server with its CA and admin token. */
async function apiReady(): Promise<boolean> {
  return httpsOk(`${peer.server}/readyz`, readFileSync(peer.caFile, "utf8"), peer.adminToken);
}

/** Stops kube-apiserver only and starts the same binary with the same arguments (port, certs, etcd). */
async function restartApiServer(downMs: number): Promise<void> {
  const current = restarted ?? peer.processes.find((p) => p.name === "kube-apiserver");
  if (current === undefined) throw new Error("no kube-apiserver in the private control plane");
  const argv = readFileSync(`/proc/${String(current.pid)}/cmdline`, "utf8").split("\0").filter((a) => a !== "");
  const [command, ...args] = argv;
  if (command === undefined) throw new Error("cannot read kube-apiserver's command line");
  await current.stop();
  await sleep(downMs);
  restarted = await startProcess({
    name: "kube-apiserver-restarted", command, args, logDir: join(workDir, "logs"), readyTimeoutMs: 120_000, ready: apiReady,
  });
}

beforeAll(async () => {
  peer = await startKube({ workDir, logDir: join(workDir, "logs"), controllerManager: false });
  kube = kubeFrom(peer.kubeconfig);
});

afterAll(async () => {
  await op?.stop("SIGKILL");
  await restarted?.stop();
  await peer.stop();
  rmSync(workDir, { recursive: true, force: true });
});

describe("kube-apiserver restart under the operator", () => {
  it("recovers watches and leadership: opens new SealedSecrets and recreates a deleted Secret", async () => {
    const ns = await createNamespace(kube, import.meta.filename);
    await applyProjectCrds(kube, "bitnami.com_sealedsecrets.yaml");
    const running = await startOperator({ namespace: ns.name, kubeconfig: peer.kubeconfig, args: ["--controllers=sealedsecret"] });
    op = running;
    const seal = await sealerOf(running, ns.name);
    await kube.custom.createNamespacedCustomObject({ ...SEALED, namespace: ns.name, body: seal("before", { v: "1" }) });
    await waitFor("Secret before", async () => (await secretData(kube, ns.name, "before"))?.v === "1", 60_000);
    const original = await kube.core.readNamespacedSecret({ namespace: ns.name, name: "before" });

    await restartApiServer(OUTAGE_MS);
    expect(running.child.exitCode, running.lines.slice(-30).join("\n")).toBeNull();

    await kube.custom.createNamespacedCustomObject({ ...SEALED, namespace: ns.name, body: seal("after", { v: "2" }) });
    await kube.core.deleteNamespacedSecret({ namespace: ns.name, name: "before" });
    const tail = (): string => running.lines.slice(-40).join("\n");
    await waitFor("Secret after", async () => (await secretData(kube, ns.name, "after"))?.v === "2", 60_000)
      .catch((e: unknown) => {
        throw new Error(`${String(e)}\n${tail()}`);
      });
    await waitFor("Secret before recreated", async () => {
      const s = await kube.core.readNamespacedSecret({ namespace: ns.name, name: "before" }).catch(() => undefined);
      return s !== undefined && s.metadata?.uid !== original.metadata?.uid;
    }, 60_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${tail()}`);
    });
    expect(await secretData(kube, ns.name, "before")).toEqual({ v: "1" });
    // Same process throughout; it lost leadership during the outage and regained it.
    expect(running.child.exitCode).toBeNull();
    expect(logged(running, "stopped leading"), tail()).toBeGreaterThanOrEqual(1);
    expect(logged(running, "controllers started")).toBeGreaterThanOrEqual(2);
  }, 240_000);
});
