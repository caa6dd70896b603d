// Rollout restarts outlive the controller, against the real kube-apiserver: each workload records
// what it runs with (kseal.dev/secretDigests), and a new controller — a fresh RolloutController,
// sharing nothing in memory with the one before, as a new operator process or leader would — compares
// the writers' reports with that record. Reports carry the digest writers send in the operator: an
// HMAC under a key derived from the cluster-held key, the same in every process.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppsV1Api } from "@kubernetes/client-node";
import { reloadingDaemonSet, reloadingDeployment, reloadingStatefulSet } from "./fixtures.ts";
import { KubeHttp, type HttpMethod, type RequestOptions } from "../../src/kube/index.ts";
import {
  RESTARTED_AT_ANNOTATION, RESTART_REASON_ANNOTATION, RolloutController, SECRET_DIGESTS_ANNOTATION, fingerprint, formatDigests,
  rolloutDigestKey, secretDataDigest,
} from "../../src/operator/rollout/index.ts";
import { sleep, waitFor } from "../peers/process.ts";
import { createNamespace, testKube } from "../support/kube.ts";

const kube = testKube();
const apps = kube.kc.makeApiClient(AppsV1Api);
let ns: { name: string; remove: () => Promise<void> };
/** Stands in for the cluster-held HMAC key Secret: every controller below derives from it. */
const clusterKey = new Uint8Array(randomBytes(32));

/** The real client, counting every request that is not a read (nothing is faked). */
class CountingHttp extends KubeHttp {
  readonly writes: string[] = [];

  override json<T>(method: HttpMethod, path: string, options?: RequestOptions): Promise<T> {
    if (method !== "GET") this.writes.push(`${method} ${path}`);
    return super.json<T>(method, path, options);
  }

  override request(method: HttpMethod, path: string, options?: RequestOptions): ReturnType<KubeHttp["request"]> {
    if (method !== "GET") this.writes.push(`${method} ${path}`);
    return super.request(method, path, options);
  }
}

/** One controller "process": its own client, informers, planner and digest key derivation. */
async function startController(debounceMs: number, watchNamespace: string | undefined = ns.name): Promise<{
  rollout: RolloutController; http: CountingHttp; report: (name: string, value: string) => void; stop: () => Promise<void>;
}> {
  const http = new CountingHttp(kube.access);
  const rollout = new RolloutController({ http, namespace: watchNamespace, debounceMs });
  const ac = new AbortController();
  const informers = rollout.runInformers(ac.signal);
  await waitFor("workload caches", () => Promise.resolve(rollout.hasSynced()));
  rollout.start();
  const key = rolloutDigestKey(clusterKey);
  return {
    rollout,
    http,
    report: (name, value) => {
      rollout.secretChanged({ namespace: ns.name, name, hash: secretDataDigest(key, { v: Buffer.from(value).toString("base64") }) });
    },
    stop: async () => {
      await rollout.stop();
      ac.abort();
      await informers;
    },
  };
}

async function read(name: string): Promise<{
  resourceVersion: string; template?: Record<string, string>; digests?: string; restartedAt?: string; reason?: string;
}> {
  const d = await apps.readNamespacedDeployment({ namespace: ns.name, name });
  const pod = d.spec?.template.metadata?.annotations ?? {};
  return {
    resourceVersion: d.metadata?.resourceVersion ?? "",
    ...(d.spec?.template.metadata?.annotations === undefined ? {} : { template: d.spec.template.metadata.annotations }),
    ...(d.metadata?.annotations?.[SECRET_DIGESTS_ANNOTATION] === undefined ? {} : { digests: d.metadata.annotations[SECRET_DIGESTS_ANNOTATION] }),
    ...(pod[RESTARTED_AT_ANNOTATION] === undefined ? {} : { restartedAt: pod[RESTARTED_AT_ANNOTATION] }),
    ...(pod[RESTART_REASON_ANNOTATION] === undefined ? {} : { reason: pod[RESTART_REASON_ANNOTATION] }),
  };
}

/** The record a workload should carry for Secret `name` holding `value` (what the operator writes). */
function recordFor(name: string, value: string): string | undefined {
  const digest = secretDataDigest(rolloutDigestKey(clusterKey), { v: Buffer.from(value).toString("base64") });
  return formatDigests(new Map([[name, fingerprint(digest)]]));
}

beforeAll(async () => {
  ns = await createNamespace(kube, import.meta.filename);
});
afterAll(async () => {
  await ns.remove();
});

describe("rollout restarts across controller restarts", () => {
  it("restarts, at the next start, a workload whose Secret changed while no controller ran", async () => {
    await apps.createNamespacedDeployment({ namespace: ns.name, body: reloadingDeployment("offline", "offline-creds") });
    const first = await startController(500);
    try {
      first.report("offline-creds", "v1"); // the first ever sync: adopt, no restart
      await waitFor("record written", async () => (await read("offline")).digests !== undefined, 10_000, 50);
      await sleep(1000);
      expect(first.rollout.restarts).toBe(0);
    } finally {
      await first.stop();
    }
    const adopted = await read("offline");
    expect(adopted.digests).toBe(recordFor("offline-creds", "v1"));
    expect(adopted.template).toBeUndefined(); // the record is on the metadata: the pod template, hence the pods, unchanged

    // The Secret changes (v2) while no controller runs; a new one starts and gets the writer's report.
    const second = await startController(500);
    try {
      second.report("offline-creds", "v2");
      await waitFor("restart", async () => (await read("offline")).restartedAt !== undefined, 10_000, 50);
      await sleep(1000); // exactly one
      expect(second.rollout.restarts).toBe(1);
    } finally {
      await second.stop();
    }
    const restarted = await read("offline");
    expect(restarted).toMatchObject({ digests: recordFor("offline-creds", "v2"), reason: "secret offline-creds changed" });
  });

  it("restarts, at the next start, a workload whose restart was still inside the debounce window when the controller stopped", async () => {
    await apps.createNamespacedDeployment({ namespace: ns.name, body: reloadingDeployment("windowed", "windowed-creds") });
    const first = await startController(60_000);
    try {
      first.report("windowed-creds", "v1");
      await waitFor("record written", async () => (await read("windowed")).digests !== undefined, 10_000, 50);
      first.report("windowed-creds", "v2"); // restart due in 60 s
      expect(first.rollout.planner.deadline(`Deployment/${ns.name}/windowed`)).toBeDefined();
      await sleep(500);
    } finally {
      await first.stop(); // dies with the restart pending
    }
    const pending = await read("windowed");
    expect(pending.digests).toBe(recordFor("windowed-creds", "v1"));
    expect(pending.template).toBeUndefined(); // not restarted

    const second = await startController(500);
    try {
      second.report("windowed-creds", "v2"); // nothing changed since: only the record says it is due
      await waitFor("restart", async () => (await read("windowed")).restartedAt !== undefined, 10_000, 50);
      await sleep(1000);
      expect(second.rollout.restarts).toBe(1);
    } finally {
      await second.stop();
    }
    expect(await read("windowed")).toMatchObject({ digests: recordFor("windowed-creds", "v2"), reason: "secret windowed-creds changed" });
  });

  it("writes nothing when a new controller starts and nothing changed", async () => {
    await apps.createNamespacedDeployment({ namespace: ns.name, body: reloadingDeployment("steady", "steady-creds") });
    const first = await startController(300);
    try {
      first.report("steady-creds", "v1");
      await waitFor("record written", async () => (await read("steady")).digests !== undefined, 10_000, 50);
      first.report("steady-creds", "v2");
      await waitFor("restart", async () => (await read("steady")).restartedAt !== undefined, 10_000, 50);
    } finally {
      await first.stop();
    }
    const before = await read("steady");
    expect(before.digests).toBe(recordFor("steady-creds", "v2"));

    const second = await startController(300);
    try {
      second.report("steady-creds", "v2");
      second.report("steady-creds", "v2");
      await sleep(1500); // five debounce windows
      expect(second.http.writes).toEqual([]);
      expect(second.rollout.restarts + second.rollout.recordWrites).toBe(0);
    } finally {
      await second.stop();
    }
    expect(await read("steady")).toEqual(before);
  });
});

/** The annotations the rollout controller writes on any workload kind. */
async function readWorkload(kind: "StatefulSet" | "DaemonSet" | "Deployment", namespace: string, name: string): Promise<{ digests?: string; restartedAt?: string }> {
  const w = kind === "StatefulSet"
    ? await apps.readNamespacedStatefulSet({ namespace, name })
    : kind === "DaemonSet" ? await apps.readNamespacedDaemonSet({ namespace, name }) : await apps.readNamespacedDeployment({ namespace, name });
  const digests = w.metadata?.annotations?.[SECRET_DIGESTS_ANNOTATION];
  const restartedAt = w.spec?.template.metadata?.annotations?.[RESTARTED_AT_ANNOTATION];
  return { ...(digests === undefined ? {} : { digests }), ...(restartedAt === undefined ? {} : { restartedAt }) };
}

describe("StatefulSets, DaemonSets, and other namespaces", () => {
  it("records and restarts a StatefulSet and a DaemonSet as a Deployment; a workload in another namespace asking for a Secret of that name is left alone", async () => {
    const other = await createNamespace(kube, `${import.meta.filename}-other`);
    try {
      await apps.createNamespacedStatefulSet({ namespace: ns.name, body: reloadingStatefulSet("sts", "shared-creds") });
      await apps.createNamespacedDaemonSet({ namespace: ns.name, body: reloadingDaemonSet("ds", "shared-creds") });
      await apps.createNamespacedDeployment({ namespace: other.name, body: reloadingDeployment("elsewhere", "shared-creds") });
      // Every namespace watched: the report names its namespace, and only that one's workloads count.
      const c = await startController(300, undefined);
      try {
        c.report("shared-creds", "v1");
        await waitFor("records", async () => (await readWorkload("StatefulSet", ns.name, "sts")).digests !== undefined
          && (await readWorkload("DaemonSet", ns.name, "ds")).digests !== undefined, 10_000, 50);
        expect(await readWorkload("StatefulSet", ns.name, "sts")).toEqual({ digests: recordFor("shared-creds", "v1") });
        expect(await readWorkload("DaemonSet", ns.name, "ds")).toEqual({ digests: recordFor("shared-creds", "v1") });
        c.report("shared-creds", "v2");
        await waitFor("restarts", async () => (await readWorkload("StatefulSet", ns.name, "sts")).restartedAt !== undefined
          && (await readWorkload("DaemonSet", ns.name, "ds")).restartedAt !== undefined, 10_000, 50);
        await sleep(1000); // three debounce windows: exactly one restart each
        expect(c.rollout.restarts).toBe(2);
        expect((await readWorkload("StatefulSet", ns.name, "sts")).digests).toBe(recordFor("shared-creds", "v2"));
        expect((await readWorkload("DaemonSet", ns.name, "ds")).digests).toBe(recordFor("shared-creds", "v2"));
        expect(await readWorkload("Deployment", other.name, "elsewhere")).toEqual({});
      } finally {
        await c.stop();
      }
    } finally {
      await other.remove();
    }
  });
});
