/**
 * Runs the real Bitnami sealed-secrets controller (the peer binary `sealed-secrets-controller`) as a
 * process against the test kube-apiserver, scoped to one namespace (how it is given an in-cluster
 * config: {@link bitnamiInCluster}).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import "../peers/endpoints.ts";
import { freePort, startProcess, waitFor, type PeerProcess } from "../peers/process.ts";
import type { TestKube } from "./kube.ts";
import { adminToken, bitnamiInCluster } from "./processes.ts";

export const BITNAMI_KEY_SELECTOR = "sealedsecrets.bitnami.com/sealed-secrets-key=active";

export interface RunningBitnami {
  /** `http://127.0.0.1:<port>`: /healthz, /v1/cert.pem, /v1/verify, /v1/rotate. */
  readonly url: string;
  readonly metricsUrl: string;
  readonly process: PeerProcess;
  stop(): Promise<void>;
}

/**
 * Starts the controller with its keys in `namespace` (where it also watches SealedSecrets) and waits
 * until /healthz answers and a key Secret labelled active exists there. `args` are appended last.
 */
export async function startBitnami(kube: TestKube, opts: { namespace: string; args?: readonly string[] }): Promise<RunningBitnami> {
  const { kube: peer } = inject("peers");
  const dir = mkdtempSync(join(tmpdir(), "kseal-bitnami-"));
  const port = await freePort();
  const metricsPort = await freePort();
  const url = `http://127.0.0.1:${String(port)}`;
  const controller = bitnamiInCluster(dir, { server: peer.server, caFile: peer.caFile, token: adminToken(peer.kubeconfig) }, opts.namespace, [
    `--listen-addr=127.0.0.1:${String(port)}`,
    `--listen-metrics-addr=127.0.0.1:${String(metricsPort)}`,
    ...(opts.args ?? []),
  ]);
  const proc = await startProcess({
    name: `sealed-secrets-controller-${opts.namespace}`,
    ...controller,
    logDir: dir,
    ready: async () => {
      try {
        return (await fetch(`${url}/healthz`)).status === 200;
      } catch {
        return false;
      }
    },
    readyTimeoutMs: 90_000,
  });
  try {
    await waitFor(`a sealing key in ${opts.namespace}`, async () => {
      const keys = await kube.core.listNamespacedSecret({ namespace: opts.namespace, labelSelector: BITNAMI_KEY_SELECTOR });
      return keys.items.length > 0;
    }, 60_000);
  } catch (e: unknown) {
    await proc.stop();
    throw new Error(`${String(e)}\ncontroller log:\n${proc.logTail(40)}`, { cause: e });
  }
  return {
    url,
    metricsUrl: `http://127.0.0.1:${String(metricsPort)}`,
    process: proc,
    stop: () => proc.stop(),
  };
}
