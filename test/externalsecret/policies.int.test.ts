// creationPolicy Owner / Orphan / Merge / CreateOrMerge / None and immutable on the real API server,
// and refreshSchedule / CreatedOnce with the injected clock.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testKube } from "../support/kube.ts";
import { fakeSpec, harness, ready, type Harness } from "./kube-support.ts";

const kube = testKube();
let h: Harness;
const data = [{ secretKey: "k", remoteRef: { key: "k" } }];
const store = { name: "fake", kind: "SecretStore" };

beforeAll(async () => {
  h = await harness(kube, import.meta.filename);
  await h.createStore("fake", fakeSpec({ k: "v1" }));
});
afterAll(async () => {
  await h.cleanup();
});

describe("creationPolicy", () => {
  it("Orphan: created without owner reference", async () => {
    await h.createEs("orphan", { secretStoreRef: store, target: { creationPolicy: "Orphan" }, data });
    await h.reconcile("orphan");
    const s = await kube.core.readNamespacedSecret({ namespace: h.ns, name: "orphan" });
    expect(s.metadata?.ownerReferences ?? []).toEqual([]);
    expect(s.metadata?.labels?.["reconcile.external-secrets.io/managed"]).toBe("true");
  });

  it("Merge: a missing Secret is SecretMissing; an existing one gains our keys and keeps its own", async () => {
    await h.createEs("merge", { secretStoreRef: store, target: { name: "existing", creationPolicy: "Merge" }, data });
    // ESO: not an error to back off on; Ready=True SecretMissing, back at the next refresh (1h grid of
    // store "fake": phase 48m19s, so 10:48:19).
    expect(await h.reconcile("merge")).toEqual({ kind: "ok", requeueAfterMs: 2_899_000 });
    expect(ready(await h.getEs("merge"))).toEqual({ status: "True", reason: "SecretMissing", message: "secret will not be created due to CreationPolicy=Merge" });
    expect((await h.getEs("merge")).status?.refreshTime).toBeDefined();
    await kube.core.createNamespacedSecret({ namespace: h.ns, body: { metadata: { name: "existing", labels: { app: "x" } }, stringData: { own: "o" } } });
    await h.patchEs("merge", { metadata: { annotations: { retry: "1" } } });
    await h.reconcile("merge");
    const s = await kube.core.readNamespacedSecret({ namespace: h.ns, name: "existing" });
    expect(await h.secretText("existing")).toEqual({ own: "o", k: "v1" });
    expect(s.metadata?.labels?.app).toBe("x");
    expect(s.metadata?.ownerReferences ?? []).toEqual([]);
  });

  it("CreateOrMerge: creates when missing", async () => {
    await h.createEs("com", { secretStoreRef: store, target: { creationPolicy: "CreateOrMerge" }, data });
    await h.reconcile("com");
    expect(await h.secretText("com")).toEqual({ k: "v1" });
  });

  it("None: never writes a Secret, still reports Ready", async () => {
    await h.createEs("none", { secretStoreRef: store, target: { creationPolicy: "None" }, data });
    await h.reconcile("none");
    expect(await h.secretText("none")).toBeUndefined();
    expect(ready(await h.getEs("none"))?.status).toBe("True");
  });

  it("immutable: the Secret is created immutable", async () => {
    await h.createEs("immutable", { secretStoreRef: store, target: { immutable: true }, data });
    await h.reconcile("immutable");
    expect((await kube.core.readNamespacedSecret({ namespace: h.ns, name: "immutable" })).immutable).toBe(true);
  });
});

describe("refresh modes with the injected clock", () => {
  it("refreshSchedule: comes back at the next cron time and refreshes then", async () => {
    h.now = Date.parse("2026-06-01T10:00:00Z");
    await h.createEs("cron", { secretStoreRef: store, refreshSchedule: "30 10 * * *", data });
    expect(await h.reconcile("cron")).toEqual({ kind: "ok", requeueAfterMs: 30 * 60_000 });
    await h.replaceStoreSpec("fake", fakeSpec({ k: "v2" }));
    h.now += 10 * 60_000;
    expect(await h.reconcile("cron")).toEqual({ kind: "ok", requeueAfterMs: 20 * 60_000 });
    expect(await h.secretText("cron")).toEqual({ k: "v1" });
    h.now += 20 * 60_000;
    await h.reconcile("cron");
    expect(await h.secretText("cron")).toEqual({ k: "v2" });
  });

  it("CreatedOnce: never refreshes after the first sync", async () => {
    await h.createEs("once", { secretStoreRef: store, refreshPolicy: "CreatedOnce", data });
    expect(await h.reconcile("once")).toEqual({ kind: "ok" });
    await h.replaceStoreSpec("fake", fakeSpec({ k: "v3" }));
    h.now += 48 * 3_600_000;
    expect(await h.reconcile("once")).toEqual({ kind: "ok" });
    expect(await h.secretText("once")).toEqual({ k: "v2" });
  });
});
