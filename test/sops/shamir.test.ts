/**
 * Shamir over GF(2^8): round trips with a fixed seed, and the share layout sops' package uses
 * (value bytes then x = group index + 1). Compatibility with sops itself is in interop.test.ts.
 */
import { describe, expect, it } from "vitest";
import { shamirCombine, shamirSplit } from "../../src/sops/index.ts";
import { seeded } from "./support.ts";

function subsets<T>(xs: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  return xs.flatMap((x, i) => subsets(xs.slice(i + 1), k - 1).map((s) => [x, ...s]));
}

describe("shamir", () => {
  it("any threshold-sized subset recovers the secret (fixed seed, 40 cases)", () => {
    const rnd = seeded(20260101);
    for (let n = 0; n < 40; n++) {
      const parts = 2 + ((rnd(1)[0] ?? 0) % 4);
      const threshold = 2 + ((rnd(1)[0] ?? 0) % (parts - 1));
      const secret = rnd(32);
      const shares = shamirSplit(secret, parts, threshold, rnd);
      expect(shares.map((s) => s[32])).toEqual(Array.from({ length: parts }, (_, i) => i + 1));
      for (const sub of subsets(shares, threshold)) expect(Buffer.from(shamirCombine(sub)).equals(Buffer.from(secret))).toBe(true);
    }
  });

  it("fewer shares than the threshold give a different value", () => {
    const rnd = seeded(7);
    const secret = rnd(32);
    const shares = shamirSplit(secret, 3, 3, rnd);
    expect(Buffer.from(shamirCombine(shares.slice(0, 2))).equals(Buffer.from(secret))).toBe(false);
  });

  it("a known vector: constant polynomial coefficients give predictable shares", () => {
    // f(x) = 0x42 + 1·x  →  f(1) = 0x43, f(2) = 0x40 in GF(2^8)
    const shares = shamirSplit(new Uint8Array([0x42]), 2, 2, (n) => new Uint8Array(n).fill(1));
    expect(shares.map((s) => Buffer.from(s).toString("hex"))).toEqual(["4301", "4002"]);
  });

  const bad = [
    { why: "threshold above parts", parts: 2, threshold: 3 },
    { why: "threshold of one", parts: 3, threshold: 1 },
    { why: "more than 255 parts", parts: 256, threshold: 2 },
  ];
  for (const b of bad) {
    it(`rejects ${b.why}`, () => {
      expect(() => shamirSplit(new Uint8Array(32), b.parts, b.threshold)).toThrow(expect.objectContaining({ code: "SOPS_CONFIG" }) as Error);
    });
  }
  it("rejects duplicate shares", () => {
    const s = shamirSplit(new Uint8Array(32).fill(9), 3, 2);
    expect(() => shamirCombine([s[0] ?? new Uint8Array(), s[0] ?? new Uint8Array()])).toThrow(expect.objectContaining({ code: "SOPS_DECRYPT_FAILED" }) as Error);
  });
});
