/**
 * Fuzzing support: a seeded PRNG (Mulberry32) so every run explores the same inputs, the iteration
 * count (KSEAL_FUZZ_ITERATIONS raises it, KSEAL_FUZZ_SEED moves it, for longer local runs; CI keeps
 * the defaults), and the byte-level mutations shared by the fuzzers.
 */

export interface Rand {
  /** A float in [0, 1). */
  (): number;
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
  bytes(n: number): Buffer;
}

export function rand(seed: number): Rand {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const r = next as Rand;
  r.int = (n) => Math.floor(next() * n);
  r.pick = <T>(xs: readonly T[]): T => {
    if (xs.length === 0) throw new Error("pick from an empty list");
    return xs[Math.floor(next() * xs.length)] as T;
  };
  r.bytes = (n) => Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256)));
  return r;
}

/** The seed: `fallback`, or KSEAL_FUZZ_SEED (decimal or 0x hex) to explore elsewhere locally. */
export function fuzzSeed(fallback: number): number {
  const v = Number(process.env.KSEAL_FUZZ_SEED ?? "");
  return Number.isInteger(v) && (process.env.KSEAL_FUZZ_SEED ?? "") !== "" ? v >>> 0 : fallback;
}

/** Iterations per fuzz target: `fallback`, or KSEAL_FUZZ_ITERATIONS when set to a larger number. */
export function iterations(fallback: number): number {
  const v = Number(process.env.KSEAL_FUZZ_ITERATIONS ?? "");
  return Number.isInteger(v) && v > fallback ? v : fallback;
}

export type Mutation = (r: Rand, input: Buffer) => Buffer;

/** Byte-level mutations: flips, truncations, splices, duplications, junk insertions. */
export const BYTE_MUTATIONS: Readonly<Record<string, Mutation>> = {
  flipBit: (r, b) => {
    const c = Buffer.from(b);
    const i = r.int(c.length);
    c[i] = (c[i] ?? 0) ^ (1 << r.int(8));
    return c;
  },
  setByte: (r, b) => {
    const c = Buffer.from(b);
    c[r.int(c.length)] = r.pick([0x00, 0x0a, 0x22, 0x3a, 0x5b, 0x7b, 0x7d, 0xff, 0x20, 0x2c, 0x3d, 0x23]);
    return c;
  },
  truncate: (r, b) => b.subarray(0, r.int(b.length)),
  cutMiddle: (r, b) => {
    const at = r.int(b.length);
    return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + r.int(32))]);
  },
  duplicate: (r, b) => {
    const at = r.int(b.length);
    const len = 1 + r.int(64);
    return Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]);
  },
  splice: (r, b) => {
    const from = r.int(b.length);
    const to = r.int(b.length);
    const len = 1 + r.int(48);
    return Buffer.concat([b.subarray(0, to), b.subarray(from, from + len), b.subarray(to + len)]);
  },
  insertJunk: (r, b) => {
    const at = r.int(b.length);
    return Buffer.concat([b.subarray(0, at), r.bytes(1 + r.int(16)), b.subarray(at)]);
  },
  swapLines: (r, b) => {
    const lines = b.toString("latin1").split("\n");
    const i = r.int(lines.length);
    const j = r.int(lines.length);
    [lines[i], lines[j]] = [lines[j] ?? "", lines[i] ?? ""];
    return Buffer.from(lines.join("\n"), "latin1");
  },
  dropLine: (r, b) => {
    const lines = b.toString("latin1").split("\n");
    lines.splice(r.int(lines.length), 1);
    return Buffer.from(lines.join("\n"), "latin1");
  },
};
