import { createCipheriv, createDecipheriv, createHmac, generateKeyPairSync, randomBytes, randomInt, scryptSync } from "node:crypto";
import type forge from "node-forge";
import { nodeForge } from "../../support/forge.ts";
import type { GoFunc, ParamType } from "../exec.ts";
import { FuncError } from "../exec.ts";
import { durationString, parseDuration } from "../time.ts";
import type { GoMap, GoTime, Value } from "../value.ts";
import { bytesOf, isInt, isTime, typeName, utf8 } from "../value.ts";
import { sprigBcrypt, sprigHtpasswd } from "./bcrypt.ts";
import { CERT_FUNCS, pemBlockForKey } from "./certs.ts";
import { pemEncode } from "./eso.ts";
import { semverCompare, parseVersion, versionObject } from "./semver.ts";
import { SPRIG, toFloat64 } from "./sprig.ts";
import { urlJoin, urlParse } from "./url.ts";

/**
 * The rest of sprig v3.3.0's TxtFuncMap: float math (shopspring/decimal semantics), durations,
 * date arithmetic, AES, derivePassword, key generation, URLs, semver, the must* variants and
 * a few string helpers. What stays refused is listed in sprig.ts's UNSUPPORTED_SPRIG.
 */

const f = (params: ParamType[], fn: GoFunc["fn"], variadic?: ParamType): GoFunc =>
  variadic === undefined ? { params, fn } : { params, variadic, fn };
const S = (v: Value): string => v as string;
const I = (v: Value): number => (isInt(v) ? Number(v.v) : 0);

// ---- shopspring/decimal: exact decimal arithmetic on the shortest form of each float ----

interface Dec {
  readonly m: bigint;
  readonly e: number;
}

function decOf(x: number): Dec {
  if (!Number.isFinite(x)) throw new FuncError(`Cannot create a Decimal from ${Number.isNaN(x) ? "NaN" : "Inf"}`);
  if (x === 0) return { m: 0n, e: 0 };
  const [mant = "0", exp = "0"] = x.toExponential().split("e");
  const digits = mant.replace(".", "");
  const fracLen = mant.includes(".") ? mant.length - mant.indexOf(".") - 1 : 0;
  return { m: BigInt(digits), e: Number(exp) - fracLen };
}
function align(a: Dec, b: Dec): [bigint, bigint, number] {
  const e = Math.min(a.e, b.e);
  return [a.m * 10n ** BigInt(a.e - e), b.m * 10n ** BigInt(b.e - e), e];
}
const decAdd = (a: Dec, b: Dec): Dec => { const [x, y, e] = align(a, b); return { m: x + y, e }; };
const decSub = (a: Dec, b: Dec): Dec => { const [x, y, e] = align(a, b); return { m: x - y, e }; };
const decMul = (a: Dec, b: Dec): Dec => ({ m: a.m * b.m, e: a.e + b.e });
function decDiv(a: Dec, b: Dec): Dec {
  if (b.m === 0n) throw new FuncError("decimal division by zero");
  // Rounded half away from zero to 16 places (decimal.DivisionPrecision).
  const k = a.e - b.e + 16;
  const num = k >= 0 ? a.m * 10n ** BigInt(k) : a.m;
  const den = k >= 0 ? b.m : b.m * 10n ** BigInt(-k);
  let q = num / den;
  const r = num % den;
  const abs = (v: bigint): bigint => (v < 0n ? -v : v);
  if (2n * abs(r) >= abs(den)) q += (num < 0n) !== (den < 0n) ? -1n : 1n;
  return { m: q, e: -16 };
}
const decFloat = (d: Dec): number => Number(`${d.m.toString()}e${String(d.e)}`);

function decimalOp(first: Value, rest: Value[], op: (a: Dec, b: Dec) => Dec): number {
  let acc = decOf(toFloat64(first));
  for (const x of rest) acc = op(acc, decOf(toFloat64(x)));
  return decFloat(acc);
}

// ---- strings ----

const isConnector = (c: string): boolean => c === "-" || c === "_" || /^\s$/u.test(c);
const isUpper = (c: string): boolean => c !== c.toLowerCase() && c === c.toUpperCase();
const isLower = (c: string): boolean => c !== c.toUpperCase() && c === c.toLowerCase();
const upper1 = (c: string): string => { const u = c.toUpperCase(); return [...u].length === 1 ? u : c; };
const lower1 = (c: string): string => { const l = c.toLowerCase(); return [...l].length === 1 ? l : c; };

/** xstrings.ToPascalCase (sprig's camelcase). */
function pascalCase(s: string): string {
  const runes = [...s];
  if (runes.length === 0) return "";
  let out = "";
  let i = 0;
  let r0 = "";
  let firstUpper = false;
  for (; i < runes.length; ) {
    r0 = runes[i++] ?? "";
    if (!isConnector(r0)) {
      firstUpper = isUpper(r0);
      r0 = upper1(r0);
      break;
    }
    out += r0;
  }
  if (i >= runes.length) return out + (isConnector(r0) ? "" : r0);
  while (i < runes.length) {
    const r1 = r0;
    r0 = runes[i++] ?? "";
    if (isConnector(r0) && isConnector(r1)) {
      out += r1;
      continue;
    }
    if (isConnector(r1)) {
      firstUpper = isUpper(r0);
      r0 = upper1(r0);
    } else {
      if (firstUpper) {
        if (isUpper(r0)) r0 = lower1(r0);
        else firstUpper = false;
      }
      out += r1;
    }
  }
  return out + r0;
}

/** goutils.SwapCase: upper → lower, lower → upper (title case after a space is the same letter here). */
function swapCase(s: string): string {
  let out = "";
  for (const c of s) out += isUpper(c) ? lower1(c) : isLower(c) ? upper1(c) : c;
  return out;
}

function shuffle(s: string): string {
  const r = [...s];
  for (let i = r.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [r[i], r[j]] = [r[j] ?? "", r[i] ?? ""];
  }
  return r.join("");
}

/** goutils.AbbreviateFull behind sprig's abbrevboth guard. */
function abbrevboth(left: number, right: number, s: string): string {
  if (right < 4 || (left > 0 && right < 7)) return s;
  if (s === "" || s.length <= right) return s;
  let offset = Math.min(left, s.length);
  if (s.length - offset < right - 3) offset = s.length - (right - 3);
  if (offset <= 4) return s.slice(0, right - 3) + "...";
  if (offset + right - 3 < s.length) {
    const tail = s.slice(offset);
    const w = right - 3;
    return "..." + (tail.length <= w ? tail : tail.slice(0, w - 3) + "...");
  }
  return "..." + s.slice(s.length - (right - 3));
}

// ---- time ----

const SEC = 1_000_000_000n;

function durationRound(v: Value): string {
  let d = 0n;
  if (typeof v === "string") d = parseDuration(v) ?? 0n;
  else if (isInt(v) && v.kind === "int64") d = v.v;
  else if (isTime(v)) d = BigInt(Date.now()) * 1_000_000n - v.ns;
  const u = d < 0n ? -d : d;
  const units: [bigint, string][] = [[3600n * 24n * 365n * SEC, "y"], [3600n * 24n * 30n * SEC, "mo"], [3600n * 24n * SEC, "d"], [3600n * SEC, "h"], [60n * SEC, "m"], [SEC, "s"]];
  for (const [size, name] of units) if (u > size) return (u / size).toString() + name;
  return "0s";
}

function ago(v: Value): string {
  let ns: bigint;
  if (isTime(v)) ns = v.ns;
  else if (isInt(v) && (v.kind === "int64" || v.kind === "int")) ns = v.v * SEC;
  else ns = BigInt(Date.now()) * 1_000_000n;
  const d = BigInt(Date.now()) * 1_000_000n - ns;
  // Duration.Round(time.Second): halves away from zero.
  const half = SEC / 2n;
  const rounded = d >= 0n ? ((d + half) / SEC) * SEC : -((-d + half) / SEC) * SEC;
  return durationString(rounded);
}

function dateModify(spec: string, t: GoTime, must: boolean): GoTime {
  const d = parseDuration(spec);
  if (d === undefined) {
    if (must) throw new FuncError("time: invalid duration");
    return t;
  }
  return { ...t, ns: t.ns + d };
}

// ---- crypto ----

function aesKey(password: string): Buffer {
  const key = Buffer.alloc(32);
  Buffer.from(password, "latin1").copy(key, 0, 0, 32);
  return key;
}

function encryptAES(password: string, plaintext: string): string {
  if (plaintext === "") return "";
  const iv = randomBytes(16);
  const c = createCipheriv("aes-256-cbc", aesKey(password), iv);
  return Buffer.concat([iv, c.update(Buffer.from(plaintext, "latin1")), c.final()]).toString("base64");
}

function decryptAES(password: string, crypt64: string): string {
  if (crypt64 === "") return "";
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(crypt64) || crypt64.length % 4 !== 0) throw new FuncError("illegal base64 data");
  const crypt = Buffer.from(crypt64, "base64");
  if (crypt.length < 16) throw new FuncError("runtime error: slice bounds out of range");
  const body = crypt.subarray(16);
  if (body.length % 16 !== 0) throw new FuncError("crypto/cipher: input not full blocks");
  if (body.length === 0) throw new FuncError("runtime error: index out of range");
  const d = createDecipheriv("aes-256-cbc", aesKey(password), crypt.subarray(0, 16));
  d.setAutoPadding(false);
  const plain = Buffer.concat([d.update(body), d.final()]);
  // sprig strips as many bytes as the last byte says, without checking the padding.
  const pad = plain[plain.length - 1] ?? 0;
  if (pad > plain.length) throw new FuncError("runtime error: slice bounds out of range");
  return plain.subarray(0, plain.length - pad).toString("latin1");
}

const PASSWORD_TEMPLATES: Record<string, string[]> = {
  maximum: ["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
  long: [
    "CvcvnoCvcvCvcv", "CvcvCvcvnoCvcv", "CvcvCvcvCvcvno", "CvccnoCvcvCvcv", "CvccCvcvnoCvcv", "CvccCvcvCvcvno", "CvcvnoCvccCvcv",
    "CvcvCvccnoCvcv", "CvcvCvccCvcvno", "CvcvnoCvcvCvcc", "CvcvCvcvnoCvcc", "CvcvCvcvCvccno", "CvccnoCvccCvcv", "CvccCvccnoCvcv",
    "CvccCvccCvcvno", "CvcvnoCvccCvcc", "CvcvCvccnoCvcc", "CvcvCvccCvccno", "CvccnoCvcvCvcc", "CvccCvcvnoCvcc", "CvccCvcvCvccno",
  ],
  medium: ["CvcnoCvc", "CvcCvcno"],
  short: ["Cvcn"],
  basic: ["aaanaaan", "aannaaan", "aaannaaa"],
  pin: ["nnnn"],
};
const PASSWORD_CHARS: Record<string, string> = {
  V: "AEIOU",
  C: "BCDFGHJKLMNPQRSTVWXYZ",
  v: "aeiou",
  c: "bcdfghjklmnpqrstvwxyz",
  A: "AEIOUBCDFGHJKLMNPQRSTVWXYZ",
  a: "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
  n: "0123456789",
  o: "@&%?,=[]_:-+*$#!'^~;()/.",
  x: "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
};

/** The Master Password algorithm (scrypt N=32768 r=8 p=2, then HMAC-SHA256 over the site). */
function derivePassword(counter: number, type: string, password: string, user: string, site: string): string {
  const templates = PASSWORD_TEMPLATES[type];
  if (templates === undefined) return `cannot find password template ${type}`;
  const seed = Buffer.from("com.lyndir.masterpassword");
  const u32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32BE(n >>> 0); return b; };
  const salt = Buffer.concat([seed, u32(user.length), Buffer.from(user, "latin1")]);
  const key = scryptSync(Buffer.from(password, "latin1"), salt, 64, { N: 32768, r: 8, p: 2, maxmem: 64 * 1024 * 1024 });
  const msg = Buffer.concat([seed, u32(site.length), Buffer.from(site, "latin1"), u32(counter)]);
  const h = createHmac("sha256", key).update(msg).digest();
  const tpl = templates[(h[0] ?? 0) % templates.length] ?? "";
  let out = "";
  for (let i = 0; i < tpl.length; i++) {
    const chars = PASSWORD_CHARS[tpl.charAt(i)] ?? "";
    out += chars.charAt((h[i + 1] ?? 0) % chars.length);
  }
  return out;
}

function bigFromBytes(b: string): bigint {
  return b.length === 0 ? 0n : BigInt("0x" + nodeForge().util.bytesToHex(b));
}
function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  let x = b % m;
  for (let k = e; k > 0n; k >>= 1n) {
    if ((k & 1n) === 1n) r = (r * x) % m;
    x = (x * x) % m;
  }
  return r;
}
function asn1Int(v: bigint): forge.asn1.Asn1 {
  let hex = v.toString(16);
  if (hex.length % 2 === 1) hex = "0" + hex;
  if (/^[89a-f]/.test(hex)) hex = "00" + hex;
  return nodeForge().asn1.create(nodeForge().asn1.Class.UNIVERSAL, nodeForge().asn1.Type.INTEGER, false, nodeForge().util.hexToBytes(hex));
}

/** sprig's DSA key format: SEQUENCE { version 0, P, Q, G, Y, X } (OpenSSL's traditional form). */
function dsaPem(): string {
  const { privateKey } = generateKeyPairSync("dsa", { modulusLength: 2048, divisorLength: 256 });
  const der = privateKey.export({ type: "pkcs8", format: "der" });
  const p8 = nodeForge().asn1.fromDer(der.toString("binary"));
  const seq = p8.value as forge.asn1.Asn1[];
  const params = ((seq[1]?.value as forge.asn1.Asn1[])[1]?.value ?? []) as forge.asn1.Asn1[];
  const [P, Q, G] = params.map((x) => bigFromBytes(x.value as string));
  const xOctets = nodeForge().asn1.fromDer(seq[2]?.value as string);
  const X = bigFromBytes(xOctets.value as string);
  if (P === undefined || Q === undefined || G === undefined) throw new FuncError("failed to generate private key");
  const Y = modPow(G, X, P);
  const out = nodeForge().asn1.create(nodeForge().asn1.Class.UNIVERSAL, nodeForge().asn1.Type.SEQUENCE, true, [asn1Int(0n), asn1Int(P), asn1Int(Q), asn1Int(G), asn1Int(Y), asn1Int(X)]);
  return pemEncode({ type: "DSA PRIVATE KEY", headers: [], bytes: Buffer.from(nodeForge().asn1.toDer(out).getBytes(), "binary") });
}

function genPrivateKey(type: string): string {
  switch (type) {
    case "":
    case "rsa":
      return pemBlockForKey(generateKeyPairSync("rsa", { modulusLength: 4096 }).privateKey);
    case "dsa":
      return dsaPem();
    case "ecdsa":
      return pemBlockForKey(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey);
    case "ed25519":
      return pemBlockForKey(generateKeyPairSync("ed25519").privateKey);
    default:
      return "Unknown type " + type;
  }
}

// ---- the table ----

/** Work charged for functions that burn CPU (RSA/DSA generation, scrypt), so a loop trips the step limit. */
const EXPENSIVE = 100_000;

const alias = (name: string): GoFunc => {
  const g = SPRIG.get(name);
  if (g === undefined) throw new Error(`sprig-extra: ${name} missing`);
  return g;
};

const PATH_FUNCS: [string, string][] = [["osBase", "base"], ["osClean", "clean"], ["osDir", "dir"], ["osExt", "ext"], ["osIsAbs", "isAbs"]];
const MUST_ALIASES: [string, string][] = [
  ["mustAppend", "append"], ["mustPush", "push"], ["mustPrepend", "prepend"], ["mustRest", "rest"], ["mustInitial", "initial"],
  ["mustReverse", "reverse"], ["mustUniq", "uniq"], ["mustWithout", "without"], ["mustHas", "has"], ["mustSlice", "slice"],
  ["mustChunk", "chunk"], ["mustCompact", "compact"], ["mustMerge", "merge"], ["mustMergeOverwrite", "mergeOverwrite"],
];

export const SPRIG_EXTRA: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
  // Where sprig's plain variant panics and the must variant returns an error, text/template
  // fails the render either way; the two differ only in the message.
  ...MUST_ALIASES.map(([m, base]): [string, GoFunc] => [m, alias(base)]),
  ...PATH_FUNCS.map(([os, base]): [string, GoFunc] => [os, alias(base)]),
  ["abbrevboth", f(["int", "int", "string"], ([l, r, s]) => abbrevboth(I(l), I(r), S(s)))],
  ["typeIsLike", f(["string", "any"], ([t, v]) => { const n = v === null || v === undefined ? "<nil>" : typeName(v); return S(t) === n || "*" + S(t) === n; })],
  ["camelcase", f(["string"], ([s]) => bytesOf(pascalCase(utf8(S(s)))))],
  ["swapcase", f(["string"], ([s]) => bytesOf(swapCase(utf8(S(s)))))],
  ["shuffle", f(["string"], ([s]) => bytesOf(shuffle(utf8(S(s)))))],
  ["add1f", f(["any"], ([a]) => decimalOp(a, [1], decAdd))],
  ["addf", f([], (args) => decimalOp(0, args, decAdd), "any")],
  ["subf", f(["any"], ([a, ...r]) => decimalOp(a, r, decSub), "any")],
  ["mulf", f(["any"], ([a, ...r]) => decimalOp(a, r, decMul), "any")],
  ["divf", f(["any"], ([a, ...r]) => decimalOp(a, r, decDiv), "any")],
  ["duration", f(["any"], ([v]) => {
    let n = 0n;
    if (typeof v === "string") n = /^[+-]?\d+$/.test(v) && BigInt(v) >= -(1n << 63n) && BigInt(v) < 1n << 63n ? BigInt(v) : 0n;
    else if (isInt(v) && v.kind === "int64") n = v.v;
    return durationString(BigInt.asIntN(64, n * SEC));
  })],
  ["durationRound", f(["any"], ([v]) => durationRound(v))],
  ["ago", f(["any"], ([v]) => ago(v))],
  ["dateModify", f(["string", "time.Time"], ([s, t]) => dateModify(S(s), t as GoTime, false))],
  ["date_modify", f(["string", "time.Time"], ([s, t]) => dateModify(S(s), t as GoTime, false))],
  ["mustDateModify", f(["string", "time.Time"], ([s, t]) => dateModify(S(s), t as GoTime, true))],
  ["must_date_modify", f(["string", "time.Time"], ([s, t]) => dateModify(S(s), t as GoTime, true))],
  ["encryptAES", f(["string", "string"], ([p, s]) => encryptAES(S(p), S(s)))],
  ["decryptAES", f(["string", "string"], ([p, s]) => decryptAES(S(p), S(s)))],
  ["derivePassword", f(["uint32", "string", "string", "string", "string"], ([c, t, p, u, s], ctx) => {
    ctx.step(EXPENSIVE);
    return derivePassword(I(c), S(t), S(p), S(u), S(s));
  })],
  ["genPrivateKey", f(["string"], ([t], ctx) => {
    ctx.step(EXPENSIVE);
    return genPrivateKey(S(t));
  })],
  ["bcrypt", f(["string"], ([s], ctx) => {
    ctx.step(EXPENSIVE);
    return sprigBcrypt(S(s));
  })],
  ["htpasswd", f(["string", "string"], ([u, p], ctx) => {
    ctx.step(EXPENSIVE);
    return sprigHtpasswd(S(u), S(p));
  })],
  ...CERT_FUNCS.map(([name, params, fn]): [string, GoFunc] => [name, f([...params], (args, ctx) => {
    ctx.step(EXPENSIVE);
    return fn(args);
  })]),
  ["urlParse", f(["string"], ([s]) => urlParse(S(s)))],
  ["urlJoin", f(["map[string]interface {}"], ([d]) => urlJoin(d as GoMap))],
  ["semver", f(["string"], ([s]) => versionObject(parseVersion(S(s))))],
  ["semverCompare", f(["string", "string"], ([c, v]) => semverCompare(S(c), S(v)))],
]);

