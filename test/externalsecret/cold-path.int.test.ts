// The cold-start shortcut on the real API server: when the operator's Secret cache says a target
// does not exist, the engine creates it without reading it first; when the cache lagged (the Secret
// exists after all), the create conflicts and the reconcile starts over with a read — the same
// outcome as the read path, no Warning, no failed status.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testKube } from "../support/kube.ts";
import { fakeSpec, harness, ready, type Harness } from "./kube-support.ts";

const kube = testKube();
let h: Harness;

beforeAll(async () => {
  h = await harness(kube, import.meta.filename);
  await h.createStore("fake", fakeSpec({ "/db/user": "alice", "/db/pass": "s3cr3t" }));
});
afterAll(async () => {
  await h.cleanup();
});

const spec = (key: string) => ({
  refreshInterval: "1h",
  secretStoreRef: { name: "fake", kind: "SecretStore" },
  target: { name: "cold-secret" },
  data: [{ secretKey: "value", remoteRef: { key } }],
});

describe("a target Secret known to be absent", () => {
  it("is created without a read", async () => {
    h.assumeSecretsAbsent = true;
    await h.createEs("cold", spec("/db/user"));
    expect(await h.reconcile("cold")).toMatchObject({ kind: "ok" });
    expect(await h.secretText("cold-secret")).toEqual({ value: "alice" });
    expect(ready(await h.getEs("cold"))).toEqual({ status: "True", reason: "SecretSynced", message: "secret synced" });
    expect(h.events.map((e) => e.reason)).toEqual(["Created"]);
  });

  it("that exists after all (a lagging cache) is read and updated, with no failure reported", async () => {
    h.assumeSecretsAbsent = true;
    const before = await kube.core.readNamespacedSecret({ namespace: h.ns, name: "cold-secret" });
    // A spec change makes the next reconcile sync; the cache still claims the Secret is absent.
    await h.patchEs("cold", { spec: spec("/db/pass") });
    expect(await h.reconcile("cold")).toMatchObject({ kind: "ok" });
    expect(await h.secretText("cold-secret")).toEqual({ value: "s3cr3t" });
    const after = await kube.core.readNamespacedSecret({ namespace: h.ns, name: "cold-secret" });
    expect(after.metadata?.uid).toBe(before.metadata?.uid);
    const es = await h.getEs("cold");
    expect(ready(es)).toEqual({ status: "True", reason: "SecretSynced", message: "secret synced" });
    expect(es.status?.syncedResourceVersion).toMatch(/^2-/);
    expect(h.events.map((e) => `${e.type} ${e.reason}`)).toEqual(["Normal Created", "Normal Updated"]);
  });

  it("is not trusted for a Merge target: the target is read and the merge lands in the existing Secret", async () => {
    h.assumeSecretsAbsent = true;
    await h.createEs("merge-into", { ...spec("/db/user"), target: { name: "cold-secret", creationPolicy: "Merge" } });
    expect(await h.reconcile("merge-into")).toMatchObject({ kind: "ok" });
    // cold-secret exists: Merge writes into it although the cache claimed it absent.
    expect(await h.secretText("cold-secret")).toEqual({ value: "alice" });
    expect(ready(await h.getEs("merge-into"))?.reason).toBe("SecretSynced");
  });
});
