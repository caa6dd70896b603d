// Store scoping on the real API server: a SecretStore is only found in the ExternalSecret's own
// namespace; ClusterSecretStore conditions are enforced; a broken store is reported on the store
// and on each ExternalSecret using it; a store of another controller class is left alone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNamespace, testKube } from "../support/kube.ts";
import { fakeSpec, harness, ready, type Harness } from "./kube-support.ts";

const kube = testKube();
let h: Harness;
let other: { name: string; remove: () => Promise<void> };
const css = (suffix: string): string => `${h.ns}-${suffix}`;
let cssCount = 0;

beforeAll(async () => {
  h = await harness(kube, import.meta.filename);
  other = await createNamespace(kube, `${import.meta.filename}-other`);
  await kube.core.patchNamespace({ name: h.ns, body: { metadata: { labels: { team: "payments" } } } }, (await import("@kubernetes/client-node")).setHeaderOptions("Content-Type", "application/merge-patch+json"));
  await h.createStore("theirs", fakeSpec({ k: "theirs" }), other.name);
});
afterAll(async () => {
  await other.remove();
  await h.cleanup();
});

describe("store scope", () => {
  it("a SecretStore of another namespace is not visible", async () => {
    await h.createEs("steal", { secretStoreRef: { name: "theirs", kind: "SecretStore" }, data: [{ secretKey: "k", remoteRef: { key: "k" } }] });
    expect((await h.reconcile("steal")).kind).toBe("retry");
    expect(ready(await h.getEs("steal"))).toEqual({ status: "False", reason: "SecretSyncedError", message: `SecretStore "theirs" not found in namespace "${h.ns}"` });
    expect(await h.secretText("steal")).toBeUndefined();
  });

  it.each([
    { reason: "no conditions: every namespace", conditions: [], allowed: true },
    { reason: "namespaces lists this one", conditions: [{ namespaces: ["x", "NS"] }], allowed: true },
    { reason: "namespaces lists only another", conditions: [{ namespaces: ["OTHER"] }], allowed: false },
    { reason: "namespaceRegexes match", conditions: [{ namespaceRegexes: ["^store-scope-"] }], allowed: true },
    { reason: "namespaceRegexes do not match", conditions: [{ namespaceRegexes: ["^prod-"] }], allowed: false },
    { reason: "namespaceSelector matches the namespace labels", conditions: [{ namespaceSelector: { matchLabels: { team: "payments" } } }], allowed: true },
    { reason: "namespaceSelector does not match", conditions: [{ namespaceSelector: { matchLabels: { team: "search" } } }], allowed: false },
    { reason: "any one condition is enough", conditions: [{ namespaces: ["OTHER"] }, { namespaceSelector: { matchExpressions: [{ key: "team", operator: "Exists" }] } }], allowed: true },
  ])("ClusterSecretStore conditions: $reason", async ({ conditions, allowed }) => {
    const name = css(`c${String(++cssCount)}`);
    const fixed = JSON.parse(JSON.stringify(conditions).replaceAll('"NS"', JSON.stringify(h.ns)).replaceAll('"OTHER"', JSON.stringify(other.name))) as unknown[];
    await h.createClusterStore(name, { ...fakeSpec({ k: "v" }), conditions: fixed });
    await h.createEs(name, { secretStoreRef: { name, kind: "ClusterSecretStore" }, data: [{ secretKey: "k", remoteRef: { key: "k" } }] });
    await h.reconcile(name);
    const r = ready(await h.getEs(name));
    if (allowed) {
      expect(r?.reason).toBe("SecretSynced");
      expect(await h.secretText(name)).toEqual({ k: "v" });
    } else {
      expect(r).toEqual({ status: "False", reason: "SecretSyncedError", message: `ClusterSecretStore "${name}" does not allow namespace "${h.ns}"` });
      expect(await h.secretText(name)).toBeUndefined();
    }
  });

  it("a broken store is reported on the store and on each ExternalSecret", async () => {
    await h.createStore("broken", { provider: { fake: { data: [], validationResult: 2 } } });
    expect((await h.reconcileStore("broken")).kind).toBe("retry");
    const store = (await kube.custom.getNamespacedCustomObject({ group: "external-secrets.io", version: "v1", namespace: h.ns, plural: "secretstores", name: "broken" })) as {
      status: { conditions: { type: string; status: string; reason: string }[] };
    };
    expect(store.status.conditions[0]).toMatchObject({ type: "Ready", status: "False", reason: "ValidationFailed" });
    for (const es of ["one", "two"]) {
      await h.createEs(es, { secretStoreRef: { name: "broken", kind: "SecretStore" }, data: [{ secretKey: "k", remoteRef: { key: "k" } }] });
      await h.reconcile(es);
      expect(ready(await h.getEs(es))?.message).toBe('SecretStore "broken" is not ready: ValidationFailed');
    }
  });

  it("a healthy store gets Ready=True/Valid", async () => {
    await h.createStore("good", fakeSpec({ k: "v" }));
    expect(await h.reconcileStore("good")).toEqual({ kind: "ok", requeueAfterMs: 300_000 });
    const store = (await kube.custom.getNamespacedCustomObject({ group: "external-secrets.io", version: "v1", namespace: h.ns, plural: "secretstores", name: "good" })) as {
      status: { conditions: { type: string; status: string; reason: string }[]; capabilities: string };
    };
    expect(store.status.conditions[0]).toMatchObject({ type: "Ready", status: "True", reason: "Valid" });
    expect(store.status.capabilities).toBe("ReadOnly");
  });

  it("a store of another controller class is not ours: no Secret, no status", async () => {
    await h.createStore("classy", { ...fakeSpec({ k: "v" }), controller: "other-class" });
    await h.createEs("classy", { secretStoreRef: { name: "classy", kind: "SecretStore" }, data: [{ secretKey: "k", remoteRef: { key: "k" } }] });
    expect(await h.reconcile("classy")).toEqual({ kind: "ok" });
    expect((await h.getEs("classy")).status).toBeUndefined();
    expect(await h.secretText("classy")).toBeUndefined();
  });
});
