// Rollout restart against the real kube-apiserver: annotated and targeted workloads get one
// pod-template bump for several Secret changes inside the debounce window; others are untouched.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppsV1Api, type V1Deployment } from "@kubernetes/client-node";
import { KubeHttp } from "../../src/kube/index.ts";
import { RESTARTED_AT_ANNOTATION, RESTART_REASON_ANNOTATION, RolloutController } from "../../src/operator/rollout/index.ts";
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
      const generations = async (): Promise<Record<string, number>> => {
        const list = await apps.listNamespacedDeployment({ namespace: ns.name });
        return Object.fromEntries(list.items.map((d) => [d.metadata?.name ?? "", d.metadata?.generation ?? 0]));
      };
      const before = await generations();
      const targets = [{ kind: "Deployment" as const, name: "targeted" }];

      expect(rollout.secretChanged({ namespace: ns.name, name: "creds", hash: "h1", targets })?.kind).toBe("first");
      await new Promise((r) => setTimeout(r, 2000));
      expect(await generations()).toEqual(before); // first sync: no restart

      expect(rollout.secretChanged({ namespace: ns.name, name: "creds", hash: "h2", targets })?.kind).toBe("changed");
      await new Promise((r) => setTimeout(r, 300));
      expect(rollout.secretChanged({ namespace: ns.name, name: "creds", hash: "h3", targets })?.kind).toBe("changed");
      await waitFor("three restarts", () => Promise.resolve(rollout.restarts === 3), 10_000, 50);
      await new Promise((r) => setTimeout(r, 2000)); // nothing else follows

      const after = await generations();
      expect(after).toEqual({
        auto: (before.auto ?? 0) + 1,
        listed: (before.listed ?? 0) + 1,
        targeted: (before.targeted ?? 0) + 1,
        bystander: before.bystander,
      });
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
