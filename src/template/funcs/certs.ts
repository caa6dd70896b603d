import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, X509Certificate } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";
import type { ParamType } from "../exec.ts";
import { FuncError } from "../exec.ts";
import type { GoObject, Value } from "../value.ts";
import { isList, typeName } from "../value.ts";
import { pemDecode, pemEncode } from "./eso.ts";

/**
 * sprig's certificate functions (genCA, genSelfSignedCert, genSignedCert, their …WithKey forms and
 * buildCustomCert), writing the certificate Go's x509.CreateCertificate would write for sprig's
 * template: a random 128-bit serial, CN-only subject, NotBefore now and NotAfter now + days,
 * KeyUsage, ExtKeyUsage serverAuth+clientAuth, BasicConstraints, a SubjectKeyId on CAs, an
 * AuthorityKeyId from the issuer and the SANs. The DER is written here and signed with
 * node:crypto (RSA, ECDSA P-256/384/521 and Ed25519 keys, as Go signs them). Errors name the
 * step only, never key bytes.
 */

/** sprig's `certificate` struct: what the template reads as `.Cert` and `.Key`. */
export function certificateObject(cert: string, key: string): GoObject {
  return {
    t: "obj",
    type: "sprig.certificate",
    kind: "struct",
    str: `{${cert} ${key}}`,
    json: { t: "map", elem: "any", m: new Map<string, Value>([["Cert", cert], ["Key", key]]) },
    fields: new Map<string, Value>([["Cert", cert], ["Key", key]]),
    methods: new Map(),
  };
}

// ---- DER ----

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 255);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, ...content: Buffer[]): Buffer => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
};
const seq = (...c: Buffer[]): Buffer => tlv(0x30, ...c);
function oid(dotted: string): Buffer {
  const parts = dotted.split(".").map(Number);
  const out: number[] = [(parts[0] ?? 0) * 40 + (parts[1] ?? 0)];
  for (const p of parts.slice(2)) {
    const b: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) b.unshift(0x80 | (v & 0x7f));
    out.push(...b);
  }
  return tlv(0x06, Buffer.from(out));
}
/** A non-negative INTEGER from big-endian magnitude bytes. */
function uint(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const m = bytes.subarray(i);
  return tlv(0x02, (m[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), m]) : m);
}
const bitString = (bytes: Buffer, unused = 0): Buffer => tlv(0x03, Buffer.from([unused]), bytes);

interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly body: number;
  readonly end: number;
}
function readTlv(b: Buffer, at: number): Tlv {
  const tag = b[at];
  let l = b[at + 1];
  if (tag === undefined || l === undefined) throw new FuncError("x509: malformed certificate");
  let body = at + 2;
  if (l & 0x80) {
    const n = l & 0x7f;
    if (n === 0 || n > 4) throw new FuncError("x509: malformed certificate");
    l = 0;
    for (let i = 0; i < n; i++) l = l * 256 + (b[body + i] ?? 0);
    body += n;
  }
  if (body + l > b.length) throw new FuncError("x509: malformed certificate");
  return { tag, start: at, body, end: body + l };
}
function children(b: Buffer, t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = t.body; at < t.end; ) {
    const c = readTlv(b, at);
    out.push(c);
    at = c.end;
  }
  return out;
}

// ---- keys ----

/** sprig's parsePrivateKeyPEM: PKCS#8, or `RSA`/`EC`/`DSA PRIVATE KEY`. */
function parsePrivateKeyPEM(pemText: string): KeyObject {
  const d = pemDecode(pemText);
  if (d === undefined) throw new FuncError("parsing private key: no PEM data in input");
  const { type, bytes } = d.block;
  const load = (t: "pkcs8" | "pkcs1" | "sec1", what: string): KeyObject => {
    try {
      return createPrivateKey({ key: bytes, format: "der", type: t });
    } catch {
      throw new FuncError(`parsing private key: ${what}`);
    }
  };
  if (type === "PRIVATE KEY") return load("pkcs8", "decoding PEM as PKCS#8");
  if (!type.endsWith(" PRIVATE KEY")) throw new FuncError("parsing private key: no private key data in PEM block");
  switch (type.slice(0, -12)) {
    case "RSA":
      return load("pkcs1", "parsing RSA private key from PEM");
    case "EC":
      return load("sec1", "parsing EC private key from PEM");
    case "DSA":
      // Go parses it, then x509.CreateCertificate refuses a DSA signer.
      throw new FuncError("error creating certificate: x509: certificate private key does not implement crypto.Signer");
    default:
      throw new FuncError("parsing private key: invalid private key type");
  }
}

interface Signer {
  readonly alg: Buffer;
  sign(tbs: Buffer): Buffer;
}
const EC_HASH: Record<string, { hash: string; oid: string }> = {
  prime256v1: { hash: "sha256", oid: "1.2.840.10045.4.3.2" },
  secp384r1: { hash: "sha384", oid: "1.2.840.10045.4.3.3" },
  secp521r1: { hash: "sha512", oid: "1.2.840.10045.4.3.4" },
};
/** The signature algorithm Go picks for a key, or the error Go gives for keys it cannot sign with. */
function signerFor(key: KeyObject): Signer {
  switch (key.asymmetricKeyType) {
    case "rsa":
      return { alg: seq(oid("1.2.840.113549.1.1.11"), Buffer.from([5, 0])), sign: (tbs) => sign("sha256", tbs, key) };
    case "ec": {
      const p = EC_HASH[key.asymmetricKeyDetails?.namedCurve ?? ""];
      if (p === undefined) throw new FuncError("error creating certificate: x509: unknown elliptic curve");
      return { alg: seq(oid(p.oid)), sign: (tbs) => sign(p.hash, tbs, { key, dsaEncoding: "der" }) };
    }
    case "ed25519":
      return { alg: seq(oid("1.3.101.112")), sign: (tbs) => sign(null, tbs, key) };
    default:
      throw new FuncError("error creating certificate: x509: certificate private key does not implement crypto.Signer");
  }
}

/** sprig's pemBlockForKey: RSA as PKCS#1, ECDSA as SEC 1, anything else as PKCS#8. */
export function pemBlockForKey(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case "rsa":
      return pemEncode({ type: "RSA PRIVATE KEY", headers: [], bytes: key.export({ type: "pkcs1", format: "der" }) });
    case "ec":
      return pemEncode({ type: "EC PRIVATE KEY", headers: [], bytes: key.export({ type: "sec1", format: "der" }) });
    default:
      return pemEncode({ type: "PRIVATE KEY", headers: [], bytes: key.export({ type: "pkcs8", format: "der" }) });
  }
}

// ---- template inputs ----

function ipBytes(s: string): Buffer {
  if (s.includes("%")) throw new FuncError("error parsing ip");
  if (isIPv4(s)) return Buffer.from(s.split(".").map(Number));
  if (!isIPv6(s)) throw new FuncError("error parsing ip");
  let text = s;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1] !== undefined) {
    const [a = 0, b = 0, c = 0, d = 0] = v4[1].split(".").map(Number);
    tail.push((a << 8) | b, (c << 8) | d);
    text = text.slice(0, -v4[1].length) + (text.endsWith("::" + v4[1]) ? "" : "0");
    if (!text.endsWith(":")) text = text.slice(0, -1);
  }
  const [head = "", rest] = text.split("::");
  const hs = head === "" ? [] : head.split(":").filter((x) => x !== "");
  const rs = rest === undefined || rest === "" ? [] : rest.split(":").filter((x) => x !== "");
  const groups = [...hs, ...(rest === undefined ? [] : Array<string>(8 - hs.length - rs.length - tail.length).fill("0")), ...rs].map((g) => parseInt(g, 16));
  const all = [...groups, ...tail];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  // Go writes an IPv4-mapped address as its 4 bytes (net.IP.To4).
  if (out.subarray(0, 10).every((x) => x === 0) && out[10] === 0xff && out[11] === 0xff) return out.subarray(12);
  return out;
}

function strings(v: Value, what: string): string[] {
  if (!isList(v)) return [];
  return v.items.map((x) => {
    if (typeof x !== "string") throw new FuncError(`${what}: ${typeName(x ?? null)} is not a string`);
    return x;
  });
}

// ---- the certificate ----

const isPrintable = (s: string): boolean => /^[A-Za-z0-9 '()+,\-./:=?*]*$/.test(s);

/** pkix.Name{CommonName: cn} as Go marshals it. */
function subjectName(cn: string): Buffer {
  if (cn === "") return seq();
  const bytes = Buffer.from(cn, "latin1");
  let value: Buffer;
  if (isPrintable(cn)) value = tlv(0x13, bytes);
  else {
    if (Buffer.from(bytes.toString("utf8"), "utf8").compare(bytes) !== 0) throw new FuncError("error creating certificate: asn1: string not valid UTF-8");
    value = tlv(0x0c, bytes);
  }
  return seq(tlv(0x31, seq(oid("2.5.4.3"), value)));
}

function goTime(ms: number): Buffer {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const p2 = (n: number): string => String(n).padStart(2, "0");
  const rest = `${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}${p2(d.getUTCHours())}${p2(d.getUTCMinutes())}${p2(d.getUTCSeconds())}Z`;
  if (y >= 1950 && y < 2050) return tlv(0x17, Buffer.from(p2(y % 100) + rest, "latin1"));
  if (y < 0 || y > 9999) throw new FuncError("error creating certificate: cannot represent time as GeneralizedTime");
  return tlv(0x18, Buffer.from(String(y).padStart(4, "0") + rest, "latin1"));
}

const ext = (id: string, critical: boolean, value: Buffer): Buffer =>
  seq(oid(id), ...(critical ? [Buffer.from([1, 1, 0xff])] : []), tlv(0x04, value));

interface Issuer {
  readonly subject: Buffer;
  readonly ski: Buffer | undefined;
  readonly key: KeyObject;
}

interface Spec {
  readonly cn: string;
  readonly ips: readonly Buffer[];
  readonly dns: readonly string[];
  readonly days: bigint;
  readonly isCA: boolean;
}

/** The subjectPublicKey BIT STRING's bytes (past the unused-bits octet) of an SPKI. */
function spkiKeyBits(spki: Buffer): Buffer {
  const top = readTlv(spki, 0);
  const bits = children(spki, top)[1];
  if (bits === undefined) throw new FuncError("x509: malformed public key");
  return spki.subarray(bits.body + 1, bits.end);
}

function createCertificate(spec: Spec, key: KeyObject, issuer: Issuer | undefined): string {
  for (const d of spec.dns) {
    if ([...d].some((ch) => ch.charCodeAt(0) > 0x7f)) throw new FuncError("error creating certificate: x509: SAN dNSName cannot be encoded as an IA5String");
  }
  const spki = createPublicKey(key).export({ type: "spki", format: "der" });
  const signingKey = issuer?.key ?? key;
  const signer = signerFor(signingKey);
  signerFor(key);
  const subject = subjectName(spec.cn);
  const issuerName = issuer?.subject ?? subject;
  const now = Date.now();
  // time.Duration(days) * 24h wraps at int64 nanoseconds, as in Go.
  const lifeNs = BigInt.asIntN(64, spec.days * 86_400_000_000_000n);
  const notAfter = now + Number(lifeNs / 1_000_000n);
  const ku = spec.isCA ? bitString(Buffer.from([0xa4]), 2) : bitString(Buffer.from([0xa0]), 5);
  const exts: Buffer[] = [
    ext("2.5.29.15", true, ku),
    ext("2.5.29.37", false, seq(oid("1.3.6.1.5.5.7.3.1"), oid("1.3.6.1.5.5.7.3.2"))),
    ext("2.5.29.19", true, spec.isCA ? seq(Buffer.from([1, 1, 0xff])) : seq()),
  ];
  // Go 1.25+ derives a CA's SubjectKeyId from SHA-256 of the key, truncated to 160 bits.
  if (spec.isCA) exts.push(ext("2.5.29.14", false, tlv(0x04, createHash("sha256").update(spkiKeyBits(spki)).digest().subarray(0, 20))));
  if (!issuerName.equals(subject) && issuer?.ski !== undefined && issuer.ski.length > 0) exts.push(ext("2.5.29.35", false, seq(tlv(0x80, issuer.ski))));
  if (spec.dns.length > 0 || spec.ips.length > 0) {
    const names = [...spec.dns.map((d) => tlv(0x82, Buffer.from(d, "latin1"))), ...spec.ips.map((ip) => tlv(0x87, ip))];
    exts.push(ext("2.5.29.17", subject.length === 2, seq(...names)));
  }
  const serial = uint(randomBytes(16));
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))),
    serial,
    signer.alg,
    issuerName,
    seq(goTime(now), goTime(notAfter)),
    subject,
    spki,
    tlv(0xa3, seq(...exts)),
  );
  const der = seq(tbs, signer.alg, bitString(signer.sign(tbs)));
  return pemEncode({ type: "CERTIFICATE", headers: [], bytes: der });
}

function spec(cn: Value, ips: Value, dns: Value, days: Value, isCA: boolean): Spec {
  const ipStrs = strings(ips, "error parsing ip");
  return {
    cn: cn as string,
    ips: ipStrs.map(ipBytes),
    dns: strings(dns, "error processing alternate dns name"),
    days: typeof days === "object" && days !== null && days.t === "int" ? days.v : 0n,
    isCA,
  };
}

const newRsaKey = (): KeyObject => generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;

/** The DER of the first PEM block, which must parse as a certificate (sprig's pem.Decode + x509.ParseCertificate). */
function certificateDer(pemText: string): Buffer {
  const d = pemDecode(pemText);
  if (d === undefined) throw new FuncError("unable to decode certificate");
  try {
    new X509Certificate(d.block.bytes);
  } catch {
    throw new FuncError("error parsing certificate");
  }
  return d.block.bytes;
}

function issuerOf(ca: Value): Issuer {
  const o = ca as GoObject;
  const certPem = o.fields.get("Cert");
  const keyPem = o.fields.get("Key");
  const der = certificateDer(typeof certPem === "string" ? certPem : "");
  const top = readTlv(der, 0);
  const tbsTlv = children(der, top)[0];
  if (tbsTlv === undefined) throw new FuncError("error parsing certificate");
  const fields = children(der, tbsTlv);
  const off = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subj = fields[off + 4];
  const spkiT = fields[off + 5];
  if (subj === undefined || spkiT === undefined) throw new FuncError("error parsing certificate");
  let ski: Buffer | undefined;
  const extsT = fields.find((f) => f.tag === 0xa3);
  if (extsT !== undefined) {
    const list = children(der, extsT)[0];
    for (const e of list === undefined ? [] : children(der, list)) {
      const parts = children(der, e);
      const id = parts[0];
      const val = parts[parts.length - 1];
      if (id === undefined || val === undefined) continue;
      if (der.subarray(id.start, id.end).equals(oid("2.5.29.14"))) {
        const inner = readTlv(der, val.body);
        ski = der.subarray(inner.body, inner.end);
      }
    }
  }
  const key = parsePrivateKeyPEM(typeof keyPem === "string" ? keyPem : "");
  const caSpki = der.subarray(spkiT.start, spkiT.end);
  const keySpki = createPublicKey(key).export({ type: "spki", format: "der" });
  if (!caSpki.equals(keySpki)) throw new FuncError("error creating certificate: x509: provided PrivateKey doesn't match parent's PublicKey");
  return { subject: der.subarray(subj.start, subj.end), ski, key };
}

function generate(s: Spec, key: KeyObject, issuer: Issuer | undefined): GoObject {
  return certificateObject(createCertificate(s, key, issuer), pemBlockForKey(key));
}

function goBase64(s: string, what: string): string {
  const t = s.replace(/[\r\n]/g, "");
  const buf = Buffer.from(t, "base64");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.length % 4 !== 0 || buf.toString("base64") !== t) throw new FuncError(`unable to decode base64 ${what}`);
  return buf.toString("latin1");
}

function buildCustomCert(b64cert: string, b64key: string): GoObject {
  const cert = goBase64(b64cert, "certificate");
  const key = goBase64(b64key, "private key");
  certificateDer(cert);
  try {
    parsePrivateKeyPEM(key);
  } catch {
    throw new FuncError("error parsing private key");
  }
  return certificateObject(cert, key);
}

/** The functions, by sprig name; `step` charges CPU-heavy work (key generation, signing). */
export const CERT_FUNCS: readonly [string, readonly ParamType[], (a: Value[]) => Value][] = [
  ["genCA", ["string", "int"], ([cn, days]) => generate(spec(cn, null, null, days, true), newRsaKey(), undefined)],
  ["genCAWithKey", ["string", "int", "string"], ([cn, days, k]) => generate(spec(cn, null, null, days, true), parsePrivateKeyPEM(k as string), undefined)],
  ["genSelfSignedCert", ["string", "[]interface {}", "[]interface {}", "int"], ([cn, ips, dns, days]) => {
    const s = spec(cn, ips, dns, days, false);
    return generate(s, newRsaKey(), undefined);
  }],
  ["genSelfSignedCertWithKey", ["string", "[]interface {}", "[]interface {}", "int", "string"], ([cn, ips, dns, days, k]) => {
    const s = spec(cn, ips, dns, days, false);
    return generate(s, parsePrivateKeyPEM(k as string), undefined);
  }],
  ["genSignedCert", ["string", "[]interface {}", "[]interface {}", "int", "sprig.certificate"], ([cn, ips, dns, days, ca]) => {
    const issuer = issuerOf(ca);
    const s = spec(cn, ips, dns, days, false);
    return generate(s, newRsaKey(), issuer);
  }],
  ["genSignedCertWithKey", ["string", "[]interface {}", "[]interface {}", "int", "sprig.certificate", "string"], ([cn, ips, dns, days, ca, k]) => {
    const s = spec(cn, ips, dns, days, false);
    const key = parsePrivateKeyPEM(k as string);
    return generate(s, key, issuerOf(ca));
  }],
  ["buildCustomCert", ["string", "string"], ([c, k]) => buildCustomCert(c as string, k as string)],
];
