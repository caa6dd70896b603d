// Drift repair without owner references, under the real kseal-operator: a Secret written by a
// creationPolicy Merge ExternalSecret is found by target name (ESO's targetSecretName index) and its
// edited key restored at once; an Orphan Secret edited at the same moment is left alone until the
// next refresh, as ESO's isSecretValid does (Orphan is always "valid"), and is rewritten by one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep, waitFor } from "../peers/process.ts";
import { createNamespace, testKube } from "../support/kube.ts";
import { applyProjectCrds, startOperator, type RunningOperatorProcess } from "../support/operator.ts";

const kube = testKube();
const G = { group: "external-secrets.io", version: "v1" } as const;
let ns: { name: string; remove: () => Promise<void> };
let op: RunningOperatorProcess | undefined;

async function secretText(name: string): Promise<Record<string, string>> {
  const s = await kube.core.readNamespacedSecret({ namespace: ns.name, name });
  return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
}

async function editKey(name: string, key: string, value: string): Promise<void> {
  const s = await kube.core.readNamespacedSecret({ namespace: ns.name, name });
  await kube.core.replaceNamespacedSecret({ namespace: ns.name, name, body: { ...s, data: { ...s.data, [key]: Buffer.from(value).toString("base64") } } });
}

async function createEs(name: string, target: Record<string, unknown>, refreshPolicy = "Periodic"): Promise<void> {
  await kube.custom.createNamespacedCustomObject({
    ...G, namespace: ns.name, plural: "externalsecrets",
    body: {
      apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name },
      spec: { refreshPolicy, refreshInterval: "1h", secretStoreRef: { name: "fake", kind: "SecretStore" }, target, data: [{ secretKey: "token", remoteRef: { key: "token" } }] },
    },
  });
}

beforeAll(async () => {
  ns = await createNamespace(kube, import.meta.filename);
  await applyProjectCrds(kube, "external-secrets.io_secretstores.yaml", "external-secrets.io_clustersecretstores.yaml", "external-secrets.io_externalsecrets.yaml");
  await kube.custom.createNamespacedCustomObject({
    ...G, namespace: ns.name, plural: "secretstores",
    body: { apiVersion: "external-secrets.io/v1", kind: "SecretStore", metadata: { name: "fake" }, spec: { provider: { fake: { data: [{ key: "token", value: "t0ken" }] } } } },
  });
  await kube.core.createNamespacedSecret({ namespace: ns.name, body: { metadata: { name: "shared" }, stringData: { own: "mine" } } });
  await createEs("merge", { name: "shared", creationPolicy: "Merge" });
  // OnChange: periodic refreshes fall on a per-store grid (plan.ts nextOnGrid), and the first one
  // after a sync may come at any moment of the hour (for SecretStore "fake" at 1h, xx:48:19), which
  // would rewrite the edited Orphan Secret in the middle of "Orphan waits". Only a change refreshes it.
  await createEs("orphan", { creationPolicy: "Orphan" }, "OnChange");
  op = await startOperator({ namespace: ns.name, args: ["--controllers=externalsecret"] });
  await waitFor("both Secrets synced", async () => {
    const [m, o] = await Promise.all([secretText("shared"), secretText("orphan").catch((): Record<string, string> => ({}))]);
    return m.token === "t0ken" && o.token === "t0ken" ? true : undefined;
  }, 60_000);
}, 120_000);

afterAll(async () => {
  await op?.stop();
  await ns.remove();
});

describe("drift repair by target name (no owner reference)", () => {
  it("Merge: an edited managed key is restored at once, the Secret's own keys stay; Orphan waits", async () => {
    const merged = await kube.core.readNamespacedSecret({ namespace: ns.name, name: "shared" });
    expect(merged.metadata?.ownerReferences ?? []).toEqual([]);
    expect(merged.metadata?.labels?.["reconcile.external-secrets.io/managed"]).toBe("true");

    await editKey("orphan", "token", "hacked");
    await editKey("shared", "token", "hacked");
    // refreshInterval is 1h: only the Secret event can bring the Merge ExternalSecret back now.
    await waitFor("the Merge target repaired", async () => ((await secretText("shared")).token === "t0ken" ? true : undefined), 30_000);
    expect(await secretText("shared")).toEqual({ own: "mine", token: "t0ken" });
    // The Orphan ExternalSecret was re-queued by the same kind of event; ESO leaves its Secret be.
    await sleep(3000);
    expect(await secretText("orphan")).toEqual({ token: "hacked" });
  }, 60_000);

  it("Orphan: the next refresh (here forced) rewrites the edited Secret", async () => {
    const es = (await kube.custom.getNamespacedCustomObject({ ...G, namespace: ns.name, plural: "externalsecrets", name: "orphan" })) as { metadata: Record<string, unknown> };
    await kube.custom.replaceNamespacedCustomObject({
      ...G, namespace: ns.name, plural: "externalsecrets", name: "orphan",
      body: { ...es, metadata: { ...es.metadata, annotations: { "external-secrets.io/force-sync": "1" } } },
    });
    await waitFor("the Orphan Secret rewritten", async () => ((await secretText("orphan")).token === "t0ken" ? true : undefined), 30_000);
  }, 60_000);

  it("Merge: a deleted managed key comes back too", async () => {
    const s = await kube.core.readNamespacedSecret({ namespace: ns.name, name: "shared" });
    const data = { ...s.data };
    Reflect.deleteProperty(data, "token");
    await kube.core.replaceNamespacedSecret({ namespace: ns.name, name: "shared", body: { ...s, data } });
    await waitFor("the Merge key restored", async () => ((await secretText("shared")).token === "t0ken" ? true : undefined), 30_000);
    expect(await secretText("shared")).toEqual({ own: "mine", token: "t0ken" });
  }, 60_000);
});
