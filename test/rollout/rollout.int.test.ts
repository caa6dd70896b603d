// Rollout restart against the real kube-apiserver: annotated and targeted workloads get one
// pod-template bump for several Secret changes inside the debounce window; others are untouched.
// (A Deployment's generation is no measure of restarts: recording what a workload runs with, on its
// metadata, moves it too — the pod template is what rolls the pods.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppsV1Api, type V1Deployment } from "@kubernetes/client-node";
import { KubeHttp } from "../../src/kube/index.ts";
import { RESTARTED_AT_ANNOTATION, RESTART_REASON_ANNOTATION, RolloutController, SECRET_DIGESTS_ANNOTATION } from "../../src/operator/rollout/index.ts";
import { waitFor } from "../peers/process.ts";
import { createNamespace, testKube } from "../support/kube.ts";

const kube = testKube();
const http = new KubeHttp(kube.access);
let ns: { name: string; remove: () => Promise<void> };

function deployment(name: string, annotations: Record<string, string>, secretRef?: string): V1Deployment {
  return {
    metadata: { name, annotations },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{
            name: "app", image: "registry.invalid/app:1",
            ...(secretRef === undefined ? {} : { envFrom: [{ secretRef: { name: secretRef } }] }),
          }],
        },
      },
    },
  };
}

beforeAll(async () => {
  ns = await createNamespace(kube, import.meta.filename);
});
afterAll(async () => {
  await ns.remove();
});

describe("rollout restart", () => {
  it("bumps each asking workload once for two changes in the debounce window, and none on first sync", async () => {
    const apps = kube.kc.makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({ namespace: ns.name, body: deployment("auto", { "reloader.stakater.com/auto": "true" }, "creds") });
    await apps.createNamespacedDeployment({ namespace: ns.name, body: deployment("listed", { "secret.reloader.stakater.com/reload": "other, creds" }) });
    await apps.createNamespacedDeployment({ namespace: ns.name, body: deployment("targeted", {}) });
    await apps.createNamespacedDeployment({ namespace: ns.name, body: deployment("bystander", { "reloader.stakater.com/auto": "true" }, "unrelated") });

    const rollout = new RolloutController({ http, namespace: ns.name, debounceMs: 1500 });
    const ac = new AbortController();
    const informers = rollout.runInformers(ac.signal);
    try {
      await waitFor("workload caches", () => Promise.resolve(rollout.hasSynced() && rollout.workloads("Deployment").length === 4));
      rollout.start();
      /** Each Deployment's pod-template annotations (what a restart changes), and whether it has a record. */
      const templates = async (): Promise<Record<string, { template: Record<string, string>; recorded: boolean }>> => {
        const list = await apps.listNamespacedDeployment({ namespace: ns.name });
        return Object.fromEntries(list.items.map((d) => [d.metadata?.name ?? "", {
          template: d.spec?.template.metadata?.annotations ?? {},
          recorded: d.metadata?.annotations?.[SECRET_DIGESTS_ANNOTATION] !== undefined,
        }]));
      };
      const none = { template: {}, recorded: false };
      expect(await templates()).toEqual({ auto: none, listed: none, targeted: none, bystander: none });
      const targets = [{ kind: "Deployment" as const, name: "targeted" }];

      expect(rollout.secretChanged({ namespace: ns.name, name: "creds", hash: "h1", targets })?.kind).toBe("first");
      await new Promise((r) => setTimeout(r, 2000));
      const adopted = { template: {}, recorded: true };
      expect(await templates()).toEqual({ auto: adopted, listed: adopted, targeted: adopted, bystander: none }); // first sync: no restart

      expect(rollout.secretChanged({ namespace: ns.name, name: "creds", hash: "h2", targets })?.kind).toBe("changed");
      await new Promise((r) => setTimeout(r, 300));
      expect(rollout.secretChanged({ namespace: ns.name, name: "creds", hash: "h3", targets })?.kind).toBe("changed");
      await waitFor("three restarts", () => Promise.resolve(rollout.restarts === 3), 10_000, 50);
      await new Promise((r) => setTimeout(r, 2000)); // nothing else follows

      const after = await templates();
      for (const name of ["auto", "listed", "targeted"]) expect(Object.keys(after[name]?.template ?? {}).sort()).toEqual([RESTARTED_AT_ANNOTATION, RESTART_REASON_ANNOTATION].sort());
      expect(after.bystander).toEqual(none);
      const auto = await apps.readNamespacedDeployment({ namespace: ns.name, name: "auto" });
      const ann = auto.spec?.template.metadata?.annotations ?? {};
      expect(ann[RESTART_REASON_ANNOTATION]).toBe("secret creds changed");
      expect(Date.parse(ann[RESTARTED_AT_ANNOTATION] ?? "")).toBeGreaterThan(Date.now() - 60_000);
      expect(rollout.restarts).toBe(3);
    } finally {
      await rollout.stop();
      ac.abort();
      await informers;
    }
  });
});
