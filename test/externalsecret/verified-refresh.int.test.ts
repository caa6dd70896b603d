// Refreshes that change nothing do not read their Secret: the engine trusts a Secret whose watched
// resourceVersion is still the one it wrote or verified (src/operator/externalsecret/verified.ts).
// Everything that does change — the store's value, someone else's edit, a deletion — is still seen
// and written, on the real API server with a real metadata informer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testKube } from "../support/kube.ts";
import { fakeSpec, harness, ready, type Harness } from "./kube-support.ts";

const kube = testKube();
let h: Harness;
const HOUR = 3_600_000;

beforeAll(async () => {
  h = await harness(kube, import.meta.filename, {}, { watchSecrets: true });
  await h.createStore("fake", fakeSpec({ "/db/pass": "one" }));
  await h.createEs("app", { refreshInterval: "1h", secretStoreRef: { name: "fake", kind: "SecretStore" }, data: [{ secretKey: "pass", remoteRef: { key: "/db/pass" } }] });
  expect(await h.reconcile("app")).toMatchObject({ kind: "ok" });
  await h.secretWatched("app");
});
afterAll(async () => {
  await h.cleanup();
});

async function rv(name: string): Promise<string | undefined> {
  return (await kube.core.readNamespacedSecret({ namespace: h.ns, name })).metadata?.resourceVersion;
}

describe("a refresh of an unchanged Secret", () => {
  it("reads the store but not the Secret, and writes nothing", async () => {
    const before = await rv("app");
    const gets = h.secretGets.count;
    h.now += HOUR + 1000;
    expect(await h.reconcile("app")).toMatchObject({ kind: "ok" });
    expect(h.secretGets.count).toBe(gets);
    expect(await rv("app")).toBe(before);
    expect(await h.secretText("app")).toEqual({ pass: "one" });
  });

  it("a reconcile that is not due does not read it either", async () => {
    const gets = h.secretGets.count;
    h.now += 1000;
    expect(await h.reconcile("app")).toMatchObject({ kind: "ok" });
    expect(h.secretGets.count).toBe(gets);
  });
});

describe("what changes is still written", () => {
  it("a rotated store value: the Secret is read once and updated", async () => {
    await h.replaceStoreSpec("fake", fakeSpec({ "/db/pass": "two" }));
    const gets = h.secretGets.count;
    h.now += HOUR + 1000;
    expect(await h.reconcile("app")).toMatchObject({ kind: "ok" });
    expect(await h.secretText("app")).toEqual({ pass: "two" });
    expect(h.secretGets.count).toBe(gets + 1);
    expect(h.events.map((e) => e.reason)).toEqual(["Created", "Updated"]);
    // The version just written is trusted again once the informer shows it.
    await h.secretWatched("app");
    const after = h.secretGets.count;
    h.now += HOUR + 1000;
    expect(await h.reconcile("app")).toMatchObject({ kind: "ok" });
    expect(h.secretGets.count).toBe(after);
  });

  it("someone else's edit: the moved resourceVersion sends the reconcile back to reading, and the drift is repaired", async () => {
    const s = await kube.core.readNamespacedSecret({ namespace: h.ns, name: "app" });
    await kube.core.replaceNamespacedSecret({ namespace: h.ns, name: "app", body: { ...s, data: { pass: Buffer.from("hacked").toString("base64") } } });
    await h.secretWatched("app");
    const gets = h.secretGets.count;
    h.now += 1000;
    expect(await h.reconcile("app")).toMatchObject({ kind: "ok" });
    expect(h.secretGets.count).toBe(gets + 1);
    expect(await h.secretText("app")).toEqual({ pass: "two" });
  });

  it("an edit that leaves the data alone but drops kseal's annotations is repaired too", async () => {
    await h.secretWatched("app");
    const s = await kube.core.readNamespacedSecret({ namespace: h.ns, name: "app" });
    await kube.core.replaceNamespacedSecret({ namespace: h.ns, name: "app", body: { ...s, metadata: { ...s.metadata, annotations: {} } } });
    await h.secretWatched("app");
    h.now += 1000;
    expect(await h.reconcile("app")).toMatchObject({ kind: "ok" });
    const after = await kube.core.readNamespacedSecret({ namespace: h.ns, name: "app" });
    expect(Object.keys(after.metadata?.annotations ?? {})).toEqual(expect.arrayContaining(["reconcile.kseal.dev/managed-keys"]));
  });

  it("a deleted Secret is recreated", async () => {
    await h.secretWatched("app");
    await kube.core.deleteNamespacedSecret({ namespace: h.ns, name: "app" });
    await h.secretWatched("app");
    h.now += 1000;
    expect(await h.reconcile("app")).toMatchObject({ kind: "ok" });
    expect(await h.secretText("app")).toEqual({ pass: "two" });
    expect(ready(await h.getEs("app"))?.status).toBe("True");
  });

  it("a spec change that changes the desired Secret (a template label) is written without waiting for the interval", async () => {
    await h.secretWatched("app");
    await h.patchEs("app", {
      spec: {
        refreshInterval: "1h", secretStoreRef: { name: "fake", kind: "SecretStore" },
        target: { template: { metadata: { labels: { team: "blue" } } } },
        data: [{ secretKey: "pass", remoteRef: { key: "/db/pass" } }],
      },
    });
    h.now += 1000;
    expect(await h.reconcile("app")).toMatchObject({ kind: "ok" });
    const s = await kube.core.readNamespacedSecret({ namespace: h.ns, name: "app" });
    expect(s.metadata?.labels?.team).toBe("blue");
  });
});

describe("trust is limited to Secrets kseal owns whole", () => {
  it("a Merge target is read on every refresh", async () => {
    await kube.core.createNamespacedSecret({ namespace: h.ns, body: { metadata: { name: "shared" }, stringData: { mine: "keep" } } });
    await h.createEs("merge", {
      refreshInterval: "1h", secretStoreRef: { name: "fake", kind: "SecretStore" },
      target: { name: "shared", creationPolicy: "Merge" }, data: [{ secretKey: "pass", remoteRef: { key: "/db/pass" } }],
    });
    expect(await h.reconcile("merge")).toMatchObject({ kind: "ok" });
    await h.secretWatched("shared");
    const gets = h.secretGets.count;
    h.now += HOUR + 1000;
    expect(await h.reconcile("merge")).toMatchObject({ kind: "ok" });
    expect(h.secretGets.count).toBe(gets + 1);
    expect(await h.secretText("shared")).toEqual({ mine: "keep", pass: "two" });
  });
});
