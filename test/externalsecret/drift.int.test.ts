// Drift repair: someone edits or deletes the managed Secret; the keyed HMAC no longer matches and
// the next reconcile (before any refresh is due) restores it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testKube } from "../support/kube.ts";
import { fakeSpec, harness, type Harness } from "./kube-support.ts";

const kube = testKube();
let h: Harness;

beforeAll(async () => {
  h = await harness(kube, import.meta.filename);
  await h.createStore("fake", fakeSpec({ token: "t0ken" }));
  await h.createEs("app", { refreshPolicy: "OnChange", secretStoreRef: { name: "fake", kind: "SecretStore" }, data: [{ secretKey: "token", remoteRef: { key: "token" } }] });
  await h.reconcile("app");
});
afterAll(async () => {
  await h.cleanup();
});

describe("drift repair", () => {
  it("restores an edited value", async () => {
    const s = await kube.core.readNamespacedSecret({ namespace: h.ns, name: "app" });
    await kube.core.replaceNamespacedSecret({ namespace: h.ns, name: "app", body: { ...s, data: { token: Buffer.from("hacked").toString("base64") } } });
    h.now += 1000;
    await h.reconcile("app");
    expect(await h.secretText("app")).toEqual({ token: "t0ken" });
  });

  it("restores an added key", async () => {
    const s = await kube.core.readNamespacedSecret({ namespace: h.ns, name: "app" });
    await kube.core.replaceNamespacedSecret({ namespace: h.ns, name: "app", body: { ...s, data: { ...s.data, extra: Buffer.from("x").toString("base64") } } });
    await h.reconcile("app");
    expect(await h.secretText("app")).toEqual({ token: "t0ken" });
  });

  it("recreates a deleted Secret", async () => {
    await kube.core.deleteNamespacedSecret({ namespace: h.ns, name: "app" });
    await h.reconcile("app");
    expect(await h.secretText("app")).toEqual({ token: "t0ken" });
  });

  it("a forged HMAC annotation copied from elsewhere does not hide an edit", async () => {
    const s = await kube.core.readNamespacedSecret({ namespace: h.ns, name: "app" });
    const annotations = { ...s.metadata?.annotations };
    await kube.core.replaceNamespacedSecret({
      namespace: h.ns, name: "app",
      body: { ...s, metadata: { ...s.metadata, annotations }, data: { token: Buffer.from("other").toString("base64") } },
    });
    await h.reconcile("app");
    expect(await h.secretText("app")).toEqual({ token: "t0ken" });
  });

  it("an intact Secret under OnChange is left alone", async () => {
    const before = await kube.core.readNamespacedSecret({ namespace: h.ns, name: "app" });
    h.now += 10 * 3_600_000;
    expect(await h.reconcile("app")).toEqual({ kind: "ok" });
    const after = await kube.core.readNamespacedSecret({ namespace: h.ns, name: "app" });
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
  });
});
