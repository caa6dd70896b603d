// A store error never deletes or blanks a Secret: the last good data stays and Ready=False says
// why. Only the provider's "not found" drives deletionPolicy (Delete / Merge).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testKube } from "../support/kube.ts";
import { fakeSpec, harness, ready, type Harness } from "./kube-support.ts";

const kube = testKube();
let h: Harness;
const H = 3_600_000;

beforeAll(async () => {
  h = await harness(kube, import.meta.filename);
  await h.createStore("fake", fakeSpec({ a: "1", b: "2" }));
});
afterAll(async () => {
  await h.cleanup();
});

describe("store failures", () => {
  it("Retain: a vanished remote key keeps the Secret's data, Ready=False/SecretSyncedError", async () => {
    await h.createEs("retain", { secretStoreRef: { name: "fake", kind: "SecretStore" }, data: [{ secretKey: "a", remoteRef: { key: "a" } }] });
    await h.reconcile("retain");
    await h.replaceStoreSpec("fake", fakeSpec({ b: "2" }));
    h.now += H;
    const out = await h.reconcile("retain");
    expect(out.kind).toBe("retry");
    expect(await h.secretText("retain")).toEqual({ a: "1" });
    expect(ready(await h.getEs("retain"))).toEqual({ status: "False", reason: "SecretSyncedError", message: 'secret "a" not found in store "fake"' });
    expect(h.events.at(-1)).toMatchObject({ type: "Warning", reason: "UpdateFailed" });
  });

  it("a store that cannot be resolved keeps the Secret too", async () => {
    await h.patchEs("retain", { spec: { secretStoreRef: { name: "missing", kind: "SecretStore" }, data: [{ secretKey: "a", remoteRef: { key: "a" } }] } });
    const out = await h.reconcile("retain");
    expect(out.kind).toBe("retry");
    expect(await h.secretText("retain")).toEqual({ a: "1" });
    expect(ready(await h.getEs("retain"))?.message).toBe(`SecretStore "missing" not found in namespace "${h.ns}"`);
  });

  it("Delete: every remote key gone deletes the Secret, Ready=True/SecretDeleted", async () => {
    await h.replaceStoreSpec("fake", fakeSpec({ a: "1", b: "2" }));
    await h.createEs("deleting", {
      secretStoreRef: { name: "fake", kind: "SecretStore" },
      target: { deletionPolicy: "Delete" },
      data: [{ secretKey: "b", remoteRef: { key: "b" } }],
    });
    await h.reconcile("deleting");
    expect(await h.secretText("deleting")).toEqual({ b: "2" });
    await h.replaceStoreSpec("fake", fakeSpec({ a: "1" }));
    h.now += H;
    // Back at the next instant of store "fake"'s 1h refresh grid (phase 48m19s).
    expect(await h.reconcile("deleting")).toEqual({ kind: "ok", requeueAfterMs: 2_899_000 });
    expect(await h.secretText("deleting")).toBeUndefined();
    expect(ready(await h.getEs("deleting"))?.reason).toBe("SecretDeleted");
  });

  it("Merge: every remote key gone removes only our keys", async () => {
    await kube.core.createNamespacedSecret({ namespace: h.ns, body: { metadata: { name: "shared" }, stringData: { mine: "x", theirs: "keep" } } });
    await h.replaceStoreSpec("fake", fakeSpec({ a: "1" }));
    await h.createEs("merging", {
      secretStoreRef: { name: "fake", kind: "SecretStore" },
      target: { name: "shared", creationPolicy: "Merge", deletionPolicy: "Merge" },
      data: [{ secretKey: "mine", remoteRef: { key: "a" } }],
    });
    await h.reconcile("merging");
    expect(await h.secretText("shared")).toEqual({ mine: "1", theirs: "keep" });
    await h.replaceStoreSpec("fake", fakeSpec({}));
    h.now += H;
    await h.reconcile("merging");
    expect(await h.secretText("shared")).toEqual({ theirs: "keep" });
  });
});
