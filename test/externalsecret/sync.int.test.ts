// The basic path on the real API server: a fake store, an ExternalSecret, a Secret with ESO's labels,
// owner reference and kseal's keyed HMAC; status Ready/SecretSynced; no write when nothing changed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testKube } from "../support/kube.ts";
import { fakeSpec, harness, ready, type Harness } from "./kube-support.ts";

const kube = testKube();
let h: Harness;

beforeAll(async () => {
  h = await harness(kube, import.meta.filename);
  await h.createStore("fake", fakeSpec({ "/db/user": "alice", "/db/json": '{"password":"pw","port":5432}' }));
});
afterAll(async () => {
  await h.cleanup();
});

describe("ExternalSecret sync with the fake provider", () => {
  it("creates the Secret, writes status, and comes back after refreshInterval", async () => {
    await h.createEs("app", {
      refreshInterval: "15m",
      secretStoreRef: { name: "fake", kind: "SecretStore" },
      target: { name: "app-secret" },
      data: [
        { secretKey: "user", remoteRef: { key: "/db/user" } },
        { secretKey: "password", remoteRef: { key: "/db/json", property: "password" } },
      ],
      dataFrom: [{ extract: { key: "/db/json" }, rewrite: [{ regexp: { source: "^", target: "db_" } }] }],
    });
    const outcome = await h.reconcile("app");
    // The 15m refresh grid of store "fake" has phase 3m19s: the first refresh joins it at 10:03:19.
    expect(outcome).toEqual({ kind: "ok", requeueAfterMs: 199_000 });
    expect(await h.secretText("app-secret")).toEqual({ user: "alice", password: "pw", db_password: "pw", db_port: "5432" });

    const secret = await kube.core.readNamespacedSecret({ namespace: h.ns, name: "app-secret" });
    const es = await h.getEs("app");
    expect(secret.metadata?.labels?.["reconcile.external-secrets.io/managed"]).toBe("true");
    expect(secret.metadata?.labels?.["reconcile.external-secrets.io/created-by"]).toMatch(/^[0-9a-f]{56}$/);
    expect(secret.metadata?.annotations?.["reconcile.kseal.dev/data-hmac"]).toMatch(/^v1:/);
    expect(secret.metadata?.annotations?.["reconcile.external-secrets.io/data-hash"]).toBeUndefined();
    expect(secret.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "ExternalSecret", name: "app", controller: true });
    expect(ready(es)).toEqual({ status: "True", reason: "SecretSynced", message: "secret synced" });
    expect(es.status?.binding).toEqual({ name: "app-secret" });
    expect(es.status?.refreshTime).toBe("2026-06-01T10:00:00Z");
    expect(es.status?.syncedResourceVersion).toMatch(/^1-/);
    expect(h.events.map((e) => e.reason)).toEqual(["Created"]);
  });

  it("does nothing before the interval and writes nothing when a refresh finds no change", async () => {
    const before = await kube.core.readNamespacedSecret({ namespace: h.ns, name: "app-secret" });
    const esBefore = await h.getEs("app");
    h.now += 60_000;
    expect(await h.reconcile("app")).toEqual({ kind: "ok", requeueAfterMs: 139_000 });
    h.now += 139_000; // 10:03:19, on the grid: refreshes, then every 15m
    expect(await h.reconcile("app")).toEqual({ kind: "ok", requeueAfterMs: 15 * 60_000 });
    const after = await kube.core.readNamespacedSecret({ namespace: h.ns, name: "app-secret" });
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    // No status write either: only refreshTime would have changed; the refresh is remembered in memory.
    const esAfter = await h.getEs("app");
    expect(esAfter.metadata.resourceVersion).toBe(esBefore.metadata.resourceVersion);
    expect(esAfter.status?.refreshTime).toBe("2026-06-01T10:00:00Z");
    // ...and the next refresh is scheduled from the remembered one (10:03:19), not from the status (10:00).
    h.now += 5 * 60_000;
    expect(await h.reconcile("app")).toEqual({ kind: "ok", requeueAfterMs: 10 * 60_000 });
    h.now -= 5 * 60_000;
    expect(h.events.map((e) => e.reason)).toEqual(["Created"]);
  });

  it("picks up a changed remote value on the next refresh", async () => {
    await h.replaceStoreSpec("fake", fakeSpec({ "/db/user": "bob", "/db/json": '{"password":"pw2","port":5432}' }));
    h.now += 15 * 60_000;
    await h.reconcile("app");
    expect(await h.secretText("app-secret")).toMatchObject({ user: "bob", password: "pw2" });
    expect(h.events.map((e) => e.reason)).toEqual(["Created", "Updated"]);
  });

  it("keeps the HMAC key in a Secret of the operator's namespace", async () => {
    const key = await kube.core.readNamespacedSecret({ namespace: h.ns, name: "kseal-externalsecret-hmac" });
    expect(Buffer.from(key.data?.["hmac-key"] ?? "", "base64")).toHaveLength(32);
  });
});
