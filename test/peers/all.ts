/**
 * Starts every peer the integration suite needs, in parallel, and returns their endpoints.
 * Used by the vitest globalSetup (one set per test run) and by `npm run peers:up` (daemons).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { PeerEndpoints } from "./endpoints.ts";
import { peersDir, type PeerProcess } from "./process.ts";
import { startKube } from "./kube.ts";
import * as openbao from "./openbao.ts";
import * as moto from "./moto.ts";
import * as gcp from "./gcp.ts";
import { peerMode } from "./mode.ts";
import { startContainers } from "./containers.ts";

export interface RunningPeers {
  readonly endpoints: PeerEndpoints;
  readonly processes: readonly PeerProcess[];
  stop(): Promise<void>;
}

export async function startAllPeers(opts: { workDir: string; daemon?: boolean }): Promise<RunningPeers> {
  if (opts.daemon !== true && (await peerMode()) === "container") {
    const c = await startContainers({ workDir: opts.workDir, binDir: join(peersDir(), "bin") });
    return { endpoints: c.endpoints, processes: [], stop: () => c.stop() };
  }
  const logDir = join(opts.workDir, "logs");
  mkdirSync(logDir, { recursive: true });
  const common = { logDir, ...(opts.daemon === true ? { daemon: true } : {}) };
  const started = await Promise.allSettled([
    startKube({ workDir: opts.workDir, ...common }),
    openbao.start(common),
    moto.start(common),
    gcp.start(common),
  ] as const);
  const [kubeR, baoR, motoR, gcpR] = started;
  const processes: PeerProcess[] = [];
  if (kubeR.status === "fulfilled") processes.push(...kubeR.value.processes);
  for (const r of [baoR, motoR, gcpR]) if (r.status === "fulfilled") processes.push(r.value.process);
  const stop = async (): Promise<void> => {
    await Promise.all(processes.map((p) => p.stop()));
  };
  const failures = started.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failures.length > 0 || kubeR.status !== "fulfilled" || baoR.status !== "fulfilled" ||
    motoR.status !== "fulfilled" || gcpR.status !== "fulfilled") {
    await stop();
    const reasons = failures.map((f) => (f.reason instanceof Error ? f.reason.message : String(f.reason)));
    throw new Error(`peers failed to start (a missing peer fails the run; see test/peers/install.sh):\n- ${reasons.join("\n- ")}`);
  }
  const endpoints: PeerEndpoints = {
    binDir: join(peersDir(), "bin"),
    kube: { kubeconfig: kubeR.value.kubeconfig, server: kubeR.value.server, caFile: kubeR.value.caFile },
    vault: { addr: baoR.value.addr, token: baoR.value.token },
    aws: {
      endpoint: motoR.value.endpoint,
      region: motoR.value.region,
      accessKeyId: motoR.value.accessKeyId,
      secretAccessKey: motoR.value.secretAccessKey,
    },
    gcp: { endpoint: gcpR.value.endpoint, projectId: gcpR.value.projectId },
  };
  return { endpoints, processes, stop };
}
