// The memory of what each target Secret was last verified to hold (verified.ts): trusted only at the
// exact resourceVersion and target name it was recorded for; any change of content changes the digest.
import { describe, expect, it } from "vitest";
import { VerifiedTargets, desiredDigest } from "../../src/operator/externalsecret/verified.ts";
import type { DesiredSecret } from "../../src/operator/secrets/index.ts";
import type { ExternalSecret } from "../../src/operator/externalsecret/types.ts";

const es = (uid: string | undefined): ExternalSecret => ({ metadata: { name: "app", namespace: "ns", ...(uid === undefined ? {} : { uid }) } }) as unknown as ExternalSecret;
const desired = (over: Partial<DesiredSecret> = {}): DesiredSecret => ({
  name: "app", namespace: "ns", type: "Opaque", immutable: false, data: { k: new Uint8Array([1]) },
  labels: { a: "1" }, annotations: { "reconcile.kseal.dev/data-hmac": "v1:abc" }, ...over,
});

describe("VerifiedTargets", () => {
  it("trusts only the recorded version of the recorded target", () => {
    const v = new VerifiedTargets();
    v.record(es("u1"), "app", "10", desired());
    expect(v.digestAt(es("u1"), "app", "10")).toBe(desiredDigest(desired()));
    expect(v.digestAt(es("u1"), "app", "11")).toBeUndefined();
    expect(v.digestAt(es("u1"), "other", "10")).toBeUndefined();
    expect(v.digestAt(es("u2"), "app", "10")).toBeUndefined();
    expect(v.digestAt(es("u1"), "app", undefined)).toBeUndefined();
  });

  it("records nothing without a uid or a version, and forgets on request", () => {
    const v = new VerifiedTargets();
    v.record(es(undefined), "app", "10", desired());
    v.record(es("u1"), "app", "", desired());
    expect(v.size).toBe(0);
    v.record(es("u1"), "app", "10", desired());
    v.forget(es("u1"));
    expect(v.digestAt(es("u1"), "app", "10")).toBeUndefined();
  });

  it("is bounded: the oldest entry goes first", () => {
    const v = new VerifiedTargets(2);
    v.record(es("a"), "app", "1", desired());
    v.record(es("b"), "app", "1", desired());
    v.record(es("c"), "app", "1", desired());
    expect(v.size).toBe(2);
    expect(v.digestAt(es("a"), "app", "1")).toBeUndefined();
    expect(v.digestAt(es("c"), "app", "1")).toBeDefined();
  });

  it("the digest moves with every written field (the data through its HMAC annotation)", () => {
    const base = desiredDigest(desired());
    expect(desiredDigest(desired({ labels: { a: "2" } }))).not.toBe(base);
    expect(desiredDigest(desired({ annotations: { "reconcile.kseal.dev/data-hmac": "v1:abd" } }))).not.toBe(base);
    expect(desiredDigest(desired({ type: "kubernetes.io/tls" }))).not.toBe(base);
    expect(desiredDigest(desired({ immutable: true }))).not.toBe(base);
    expect(desiredDigest(desired({ ownerReference: { apiVersion: "v", kind: "ExternalSecret", name: "app", uid: "u", controller: true, blockOwnerDeletion: true } }))).not.toBe(base);
    expect(desiredDigest(desired({ labels: { a: "1" } }))).toBe(base);
  });
});
