/**
 * Runs the real `kseal-operator` process (src/operator/main.ts on Node 24, or the tsc build's entry
 * point) against the test kube-apiserver, scoped to one namespace so test files running in parallel
 * never share objects.
 * Ports are chosen by the OS; the operator logs them in its startup line.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { inject } from "vitest";
import { waitFor } from "../peers/process.ts";
import { applyCrd, type TestKube } from "./kube.ts";
import { adminToken, inCluster, operatorArgs, operatorEnv } from "./processes.ts";

const root = resolve(import.meta.dirname, "..", "..");

export interface RunningOperatorProcess {
  readonly apiUrl: string;
  readonly metricsUrl: string;
  readonly child: ChildProcess;
  /** Every stdout/stderr line so far (JSON logs). */
  readonly lines: string[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startOperator(opts: {
  namespace: string;
  args?: readonly string[];
  env?: Record<string, string>;
  /** Another API server's kubeconfig (a private control plane); the shared one by default. */
  kubeconfig?: string;
  /**
   * Run as in a pod of `namespace` instead ({@link inCluster}): no --kubeconfig, the shared API
   * server's admin token and CA as the service account's, under this directory.
   */
  inClusterDir?: string;
  /** Options for node before the script (`--import` a hook). */
  nodeArgs?: readonly string[];
  /** Another entry point, e.g. the tsc build's (processes.ts BUILT_OPERATOR_MAIN). */
  main?: string;
}): Promise<RunningOperatorProcess> {
  const peer = inject("peers").kube;
  const node = [...(opts.nodeArgs ?? []), ...operatorArgs({
    kubeconfig: opts.inClusterDir === undefined ? opts.kubeconfig ?? peer.kubeconfig : undefined, namespace: opts.namespace,
    ...(opts.main === undefined ? {} : { main: opts.main }),
  }, opts.args)];
  const env: Record<string, string | undefined> = { ...process.env, ...operatorEnv(), ...opts.env };
  let launch = { command: process.execPath, args: node };
  if (opts.inClusterDir !== undefined) {
    const pod = inCluster(opts.inClusterDir, { server: peer.server, caFile: peer.caFile, token: adminToken(peer.kubeconfig) }, opts.namespace, process.execPath, node);
    launch = pod;
    Object.assign(env, pod.env);
    delete env.KUBECONFIG;
  }
  const child = spawn(launch.command, launch.args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let buffered = "";
  const onData = (chunk: Buffer): void => {
    buffered += chunk.toString("utf8");
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    lines.push(...parts);
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = new Promise<number | null>((res) => child.on("exit", (code) => {
    res(code);
  }));
  const started = await waitFor("kseal-operator to start", () => {
    if (child.exitCode !== null) throw new Error(`kseal-operator exited ${String(child.exitCode)}:\n${lines.join("\n")}`);
    const line = lines.find((l) => l.includes("kseal-operator running"));
    return Promise.resolve(line === undefined ? undefined : JSON.parse(line) as { apiPort: number; metricsPort: number });
  }, 60_000);
  return {
    apiUrl: `http://127.0.0.1:${String(started.apiPort)}`,
    metricsUrl: `http://127.0.0.1:${String(started.metricsPort)}`,
    child,
    lines,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Applies the CRDs in config/crd whose file names match. */
export async function applyProjectCrds(kube: TestKube, ...files: string[]): Promise<void> {
  for (const f of files) {
    const text = readFileSync(resolve(root, "config/crd", f), "utf8");
    for (const doc of parseAllDocuments(text)) {
      const crd = doc.toJS() as Record<string, unknown> | null;
      if (crd !== null) await applyCrd(kube, crd);
    }
  }
}
