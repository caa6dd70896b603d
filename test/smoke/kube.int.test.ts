// Smoke test of the real kube-apiserver through @kubernetes/client-node, the client kseal uses.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Watch, VersionApi, type V1CustomResourceDefinition } from "@kubernetes/client-node";
import { applyCrd, createNamespace, testKube } from "../support/kube.ts";
import { waitFor } from "../peers/process.ts";

const kube = testKube();
let ns: { name: string; remove: () => Promise<void> };

const crd: V1CustomResourceDefinition = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.smoke.kseal.dev" },
  spec: {
    group: "smoke.kseal.dev",
    names: { kind: "Widget", plural: "widgets", singular: "widget", listKind: "WidgetList" },
    scope: "Namespaced",
    versions: [{
      name: "v1", served: true, storage: true,
      schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties: { size: { type: "integer" } } } } } },
    }],
  },
};

beforeAll(async () => {
  ns = await createNamespace(kube, import.meta.filename);
});
afterAll(async () => {
  await ns.remove();
});

describe("kube-apiserver smoke", () => {
  it("reports the pinned release on /version", async () => {
    const v = await kube.kc.makeApiClient(VersionApi).getCode();
    expect(v.gitVersion).toMatch(/^v1\.34\./);
  });

  it("creates a CRD, waits for Established, and creates, gets and watches a custom resource", async () => {
    await applyCrd(kube, crd);
    await kube.custom.createNamespacedCustomObject({
      group: "smoke.kseal.dev", version: "v1", namespace: ns.name, plural: "widgets",
      body: { apiVersion: "smoke.kseal.dev/v1", kind: "Widget", metadata: { name: "w1" }, spec: { size: 3 } },
    });
    const got = (await kube.custom.getNamespacedCustomObject({
      group: "smoke.kseal.dev", version: "v1", namespace: ns.name, plural: "widgets", name: "w1",
    })) as { spec: { size: number } };
    expect(got.spec.size).toBe(3);
    // Watch from the beginning of history (resourceVersion 0 replays current objects as ADDED), then
    // see a later change arrive as MODIFIED. A watch that ends early is retried: right after a CRD is
    // established its endpoint can briefly answer 404.
    const seen = await waitFor("watch events for w1", async () => {
      const events: string[] = [];
      const watch = new Watch(kube.kc);
      let finished: (v: string[] | false) => void = () => undefined;
      const result = new Promise<string[] | false>((resolve) => {
        finished = resolve;
      });
      const req = await watch.watch(
        `/apis/smoke.kseal.dev/v1/namespaces/${ns.name}/widgets`,
        { resourceVersion: "0" },
        (type: string, obj: { metadata?: { name?: string } }) => {
          events.push(`${type}:${obj.metadata?.name ?? ""}`);
          if (type === "ADDED") {
            void kube.custom.patchNamespacedCustomObject({
              group: "smoke.kseal.dev", version: "v1", namespace: ns.name, plural: "widgets", name: "w1",
              body: [{ op: "replace", path: "/spec/size", value: 4 }],
            });
          }
          if (type === "MODIFIED") finished(events);
        },
        () => {
          finished(false);
        },
      );
      const timer = setTimeout(() => {
        finished(false);
      }, 10_000);
      const r = await result;
      clearTimeout(timer);
      req.abort();
      return r;
    }, 60_000);
    expect(seen).toEqual(["ADDED:w1", "MODIFIED:w1"]);
  });

  it("issues service-account tokens through the TokenRequest API and verifies them with TokenReview", async () => {
    await kube.core.createNamespacedServiceAccount({ namespace: ns.name, body: { metadata: { name: "smoke" } } });
    const tr = await kube.core.createNamespacedServiceAccountToken({
      namespace: ns.name, name: "smoke", body: { spec: { audiences: ["vault"], expirationSeconds: 600 } },
    });
    const token = tr.status?.token ?? "";
    expect(token.split(".")).toHaveLength(3);
    const { AuthenticationV1Api } = await import("@kubernetes/client-node");
    const review = await kube.kc.makeApiClient(AuthenticationV1Api).createTokenReview({
      body: { spec: { token, audiences: ["vault"] } },
    });
    expect(review.status?.authenticated).toBe(true);
    expect(review.status?.user?.username).toBe(`system:serviceaccount:${ns.name}:smoke`);
  });
});
