/**
 * Shamir secret sharing over GF(2^8), byte-compatible with sops' `shamir` package (itself
 * HashiCorp Vault's): each share is the polynomial values for every secret byte followed by one
 * byte holding its x coordinate; shares are numbered x = 1..n in key-group order.
 */
import { randomBytes } from "node:crypto";
import { sopsError, SopsCode } from "../errors.ts";

function mult(a: number, b: number): number {
  // Constant-time Russian-peasant multiplication modulo x^8 + x^4 + x^3 + x + 1.
  let acc = 0;
  for (let i = 7; i >= 0; i--) {
    const bit = (b >> i) & 1;
    const aOrZero = -bit & a & 0xff;
    const reduce = -((acc >> 7) & 1) & 0x1b;
    acc = (aOrZero ^ reduce ^ ((acc << 1) & 0xff)) & 0xff;
  }
  return acc;
}

function inverse(a: number): number {
  // a^254 = a^-1 in GF(2^8)
  let b = mult(a, a);
  let c = mult(a, b);
  b = mult(c, c);
  b = mult(b, b);
  c = mult(b, c);
  b = mult(b, b);
  b = mult(b, b);
  b = mult(b, c);
  b = mult(b, b);
  b = mult(a, b);
  return mult(b, b);
}

function evaluate(coefficients: Uint8Array, x: number): number {
  if (x === 0) return coefficients[0] ?? 0;
  let out = coefficients[coefficients.length - 1] ?? 0;
  for (let i = coefficients.length - 2; i >= 0; i--) out = mult(out, x) ^ (coefficients[i] ?? 0);
  return out;
}

/**
 * Splits `secret` into `parts` shares, any `threshold` of which recover it. `random` supplies the
 * polynomial coefficients (injectable for deterministic tests).
 */
export function split(
  secret: Uint8Array,
  parts: number,
  threshold: number,
  random: (n: number) => Uint8Array = (n) => randomBytes(n),
): Uint8Array[] {
  if (parts < threshold || parts > 255 || threshold < 2 || threshold > 255 || secret.length === 0) {
    throw sopsError(SopsCode.Config, "invalid Shamir parameters (need 2 <= threshold <= parts <= 255)", {
      parts,
      threshold,
    });
  }
  const out = Array.from({ length: parts }, (_, i) => {
    const share = new Uint8Array(secret.length + 1);
    share[secret.length] = i + 1;
    return share;
  });
  secret.forEach((byte, idx) => {
    const coefficients = new Uint8Array(threshold);
    coefficients[0] = byte;
    coefficients.set(random(threshold - 1), 1);
    for (let i = 0; i < parts; i++) (out[i] as Uint8Array)[idx] = evaluate(coefficients, i + 1);
  });
  return out;
}

/** Recovers the secret from at least `threshold` distinct shares. Throws SOPS_DECRYPT_FAILED. */
export function combine(parts: readonly Uint8Array[]): Uint8Array {
  const fail = (why: string): never => {
    throw sopsError(SopsCode.DecryptFailed, `cannot combine Shamir shares: ${why}`);
  };
  if (parts.length < 2) fail("fewer than two shares");
  const len = parts[0]?.length ?? 0;
  if (len < 2) fail("shares too short");
  if (parts.some((p) => p.length !== len)) fail("shares differ in length");
  const xs = parts.map((p) => p[len - 1] ?? 0);
  if (new Set(xs).size !== xs.length) fail("duplicate share");
  const secret = new Uint8Array(len - 1);
  for (let idx = 0; idx < len - 1; idx++) {
    let result = 0;
    for (let i = 0; i < parts.length; i++) {
      let basis = 1;
      for (let j = 0; j < parts.length; j++) {
        if (i === j) continue;
        const xi = xs[i] ?? 0;
        const xj = xs[j] ?? 0;
        basis = mult(basis, mult(xj, inverse(xi ^ xj)));
      }
      result ^= mult(parts[i]?.[idx] ?? 0, basis);
    }
    secret[idx] = result;
  }
  return secret;
}
