import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { rolloutDigestKey, secretDataDigest } from "../../src/operator/rollout/digest.ts";

const clusterKey = new Uint8Array(32).fill(7);
const b64 = (s: string): string => Buffer.from(s).toString("base64");

describe("secretDataDigest", () => {
  it("is the same in every process holding the cluster key (a fresh derivation gives the same digest)", () => {
    const data = { user: b64("app"), password: b64("s3cret") };
    expect(secretDataDigest(rolloutDigestKey(clusterKey), data)).toBe(secretDataDigest(rolloutDigestKey(new Uint8Array(clusterKey)), data));
    expect(secretDataDigest(rolloutDigestKey(clusterKey), data)).toMatch(/^d1:[A-Za-z0-9_-]{43}$/);
  });

  it("depends on the key: another cluster key gives another digest", () => {
    const data = { password: b64("s3cret") };
    expect(secretDataDigest(rolloutDigestKey(clusterKey), data)).not.toBe(secretDataDigest(rolloutDigestKey(new Uint8Array(32).fill(8)), data));
  });

  it("is not a digest under the parent key itself (derived per purpose)", () => {
    const data = { password: b64("s3cret") };
    const parent = createHmac("sha256", clusterKey).update("kseal-rollout-v1\n8:password:6:s3cret\n").digest("base64url");
    expect(secretDataDigest(rolloutDigestKey(clusterKey), data)).not.toBe(`d1:${parent}`);
  });

  const key = rolloutDigestKey(clusterKey);
  const cases: { reason: string; a: Record<string, string> | undefined; b: Record<string, string> | undefined; same: boolean }[] = [
    { reason: "key order does not matter", a: { x: b64("1"), y: b64("2") }, b: { y: b64("2"), x: b64("1") }, same: true },
    { reason: "the bytes count, not the base64 spelling (unpadded)", a: { x: "YQ==" }, b: { x: "YQ" }, same: true },
    { reason: "no data and empty data are the same content", a: undefined, b: {}, same: true },
    { reason: "a changed value", a: { x: b64("1") }, b: { x: b64("2") }, same: false },
    { reason: "a renamed key", a: { x: b64("1") }, b: { y: b64("1") }, same: false },
    { reason: "key/value boundaries are unambiguous", a: { ab: b64("c") }, b: { a: b64("bc") }, same: false },
    { reason: "an added empty key", a: { x: b64("1") }, b: { x: b64("1"), e: "" }, same: false },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      expect(secretDataDigest(key, c.a) === secretDataDigest(key, c.b)).toBe(c.same);
    });
  }
});
