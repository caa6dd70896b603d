import { randomBytes } from "node:crypto";

/**
 * bcrypt ($2a$, as golang.org/x/crypto/bcrypt writes it) on an EksBlowfish written here: node:crypto
 * has no Blowfish and no audited bcrypt package is installed. Proven by Go's
 * bcrypt.CompareHashAndPassword accepting the hashes (test/template/bcrypt.test.ts).
 */

/** Blowfish's initial P-array and S-boxes are the fractional hex digits of pi. */
function piFractionWords(count: number): Uint32Array {
  const guard = 64n;
  const bits = BigInt(count * 32) + guard;
  const one = 1n << bits;
  // Machin: pi = 16·atan(1/5) − 4·atan(1/239), in fixed point with `bits` fraction bits.
  const atanInv = (x: bigint): bigint => {
    let sum = 0n;
    let power = one / x;
    const x2 = x * x;
    for (let k = 1n; power !== 0n; k += 2n) {
      sum += ((k - 1n) / 2n) % 2n === 0n ? power / k : -(power / k);
      power /= x2;
    }
    return sum;
  };
  const pi = 16n * atanInv(5n) - 4n * atanInv(239n);
  const frac = (pi - 3n * one) >> guard;
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) out[i] = Number((frac >> BigInt((count - 1 - i) * 32)) & 0xffffffffn);
  return out;
}

let piWords: Uint32Array | undefined;
/** Computed on first use (tens of milliseconds), so a render without bcrypt never pays for it. */
const pi = (): Uint32Array => (piWords ??= piFractionWords(18 + 1024));

interface Blowfish {
  readonly p: Uint32Array;
  readonly s: Uint32Array;
}

function encrypt(c: Blowfish, lr: Uint32Array): void {
  const { p, s } = c;
  let l = (lr[0] ?? 0) ^ (p[0] ?? 0);
  let r = lr[1] ?? 0;
  for (let i = 1; i <= 16; i += 2) {
    r ^= ((((s[l >>> 24] ?? 0) + (s[256 + ((l >>> 16) & 255)] ?? 0)) ^ (s[512 + ((l >>> 8) & 255)] ?? 0)) + (s[768 + (l & 255)] ?? 0)) ^ (p[i] ?? 0);
    l ^= ((((s[r >>> 24] ?? 0) + (s[256 + ((r >>> 16) & 255)] ?? 0)) ^ (s[512 + ((r >>> 8) & 255)] ?? 0)) + (s[768 + (r & 255)] ?? 0)) ^ (p[i + 1] ?? 0);
  }
  lr[0] = r ^ (p[17] ?? 0);
  lr[1] = l;
}

/** Big-endian 32-bit words of `bytes` read cyclically, `n` of them. */
function cyclicWords(bytes: Uint8Array, n: number): Uint32Array {
  const out = new Uint32Array(n);
  let j = 0;
  for (let i = 0; i < n; i++) {
    let w = 0;
    for (let k = 0; k < 4; k++) {
      w = (w << 8) | (bytes[j] ?? 0);
      j = (j + 1) % bytes.length;
    }
    out[i] = w;
  }
  return out;
}

/** Blowfish's key expansion, with bcrypt's salt mixed into every block when `salt` is given. */
function expand(c: Blowfish, key: Uint32Array, salt: Uint32Array | undefined): void {
  for (let i = 0; i < 18; i++) c.p[i] = (c.p[i] ?? 0) ^ (key[i] ?? 0);
  const lr = new Uint32Array(2);
  let sj = 0;
  const next = (): void => {
    if (salt !== undefined) {
      lr[0] = (lr[0] ?? 0) ^ (salt[sj] ?? 0);
      lr[1] = (lr[1] ?? 0) ^ (salt[sj + 1] ?? 0);
      sj = (sj + 2) % salt.length;
    }
    encrypt(c, lr);
  };
  for (let i = 0; i < 18; i += 2) {
    next();
    c.p[i] = lr[0] ?? 0;
    c.p[i + 1] = lr[1] ?? 0;
  }
  for (let i = 0; i < 1024; i += 2) {
    next();
    c.s[i] = lr[0] ?? 0;
    c.s[i + 1] = lr[1] ?? 0;
  }
}

const STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BCRYPT = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** bcrypt's base64: its own alphabet, no padding. */
function b64(bytes: Uint8Array): string {
  let out = "";
  for (const ch of Buffer.from(bytes).toString("base64")) if (ch !== "=") out += BCRYPT[STD.indexOf(ch)] ?? "";
  return out;
}

/** Longest password Go's GenerateFromPassword accepts. */
export const BCRYPT_MAX_PASSWORD = 72;

/**
 * The `$2a$` bcrypt hash of `password` with the given cost (4–31) and 16-byte salt. Throws a
 * RangeError (naming no input) on a bad cost, salt size or a password over 72 bytes.
 */
export function bcryptHash(password: Uint8Array, cost: number, salt: Uint8Array): string {
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) throw new RangeError("bcrypt: cost out of range");
  if (salt.length !== 16) throw new RangeError("bcrypt: salt must be 16 bytes");
  if (password.length > BCRYPT_MAX_PASSWORD) throw new RangeError("bcrypt: password length exceeds 72 bytes");
  const keyBytes = new Uint8Array(password.length + 1);
  keyBytes.set(password);
  const key = cyclicWords(keyBytes, 18);
  const saltWords = cyclicWords(salt, 4);
  const saltKey = cyclicWords(salt, 18);
  const c: Blowfish = { p: pi().slice(0, 18), s: pi().slice(18) };
  expand(c, key, saltWords);
  for (let i = 2 ** cost; i > 0; i--) {
    expand(c, key, undefined);
    expand(c, saltKey, undefined);
  }
  const text = cyclicWords(Buffer.from("OrpheanBeholderScryDoubt", "latin1"), 6);
  const lr = new Uint32Array(2);
  for (let b = 0; b < 6; b += 2) {
    lr[0] = text[b] ?? 0;
    lr[1] = text[b + 1] ?? 0;
    for (let i = 0; i < 64; i++) encrypt(c, lr);
    text.set(lr, b);
  }
  const raw = Buffer.alloc(24);
  for (let i = 0; i < 6; i++) raw.writeUInt32BE(text[i] ?? 0, i * 4);
  return `$2a$${String(cost).padStart(2, "0")}$${b64(salt)}${b64(raw.subarray(0, 23))}`;
}

/** sprig's `bcrypt`: Go's default cost 10 and a fresh salt; an over-long password yields sprig's message as output. */
export function sprigBcrypt(input: string): string {
  const password = Buffer.from(input, "latin1");
  if (password.length > BCRYPT_MAX_PASSWORD) return "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes";
  return bcryptHash(password, 10, randomBytes(16));
}

/** sprig's `htpasswd`: `user:bcrypt-hash`, or sprig's message (as output) for a user containing ':'. */
export function sprigHtpasswd(user: string, password: string): string {
  if (user.includes(":")) return `invalid username: ${user}`;
  return `${user}:${sprigBcrypt(password)}`;
}
