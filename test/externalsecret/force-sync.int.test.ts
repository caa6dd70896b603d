// Force sync: under refreshPolicy OnChange nothing refreshes until the ES changes; a new value of
// the `external-secrets.io/force-sync` annotation is such a change.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testKube } from "../support/kube.ts";
import { fakeSpec, harness, type Harness } from "./kube-support.ts";

const kube = testKube();
let h: Harness;

beforeAll(async () => {
  h = await harness(kube, import.meta.filename);
  await h.createStore("fake", fakeSpec({ k: "v1" }));
  await h.createEs("app", { refreshPolicy: "OnChange", secretStoreRef: { name: "fake", kind: "SecretStore" }, data: [{ secretKey: "k", remoteRef: { key: "k" } }] });
  await h.reconcile("app");
});
afterAll(async () => {
  await h.cleanup();
});

describe("force sync", () => {
  it("OnChange ignores a remote change", async () => {
    await h.replaceStoreSpec("fake", fakeSpec({ k: "v2" }));
    h.now += 24 * 3_600_000;
    await h.reconcile("app");
    expect(await h.secretText("app")).toEqual({ k: "v1" });
  });
  it("the force-sync annotation syncs once per new value", async () => {
    await h.patchEs("app", { metadata: { annotations: { "external-secrets.io/force-sync": "1" } } });
    await h.reconcile("app");
    expect(await h.secretText("app")).toEqual({ k: "v2" });
    await h.replaceStoreSpec("fake", fakeSpec({ k: "v3" }));
    await h.reconcile("app");
    expect(await h.secretText("app")).toEqual({ k: "v2" });
    await h.patchEs("app", { metadata: { annotations: { "external-secrets.io/force-sync": "2" } } });
    await h.reconcile("app");
    expect(await h.secretText("app")).toEqual({ k: "v3" });
  });
});
