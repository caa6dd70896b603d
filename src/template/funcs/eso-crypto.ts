import { createPrivateKey, createPublicKey } from "node:crypto";
import type { JsonWebKey, KeyObject } from "node:crypto";
import type forge from "node-forge";
import { nodeForge } from "../../support/forge.ts";
import { FuncError } from "../exec.ts";
import { pemDecode, pemEncode } from "./eso.ts";

/**
 * ESO engine v2's PKCS#12, JWK and certificate-chain functions. Inputs and outputs are Go byte
 * strings (one char per byte). Errors name the operation only, never key or certificate bytes.
 */

const certPem = (der: string): string => pemEncode({ type: "CERTIFICATE", headers: [], bytes: Buffer.from(der, "latin1") });
const keyPem = (k: KeyObject): string => pemEncode({ type: "PRIVATE KEY", headers: [], bytes: k.export({ type: "pkcs8", format: "der" }) });

// ---- X.509 key identifiers (read from the DER, for any key type) ----

interface Cert {
  readonly der: string;
  /** undefined where Go's field is nil (extension absent). */
  readonly ski: string | undefined;
  readonly aki: string | undefined;
}

/** A context-specific tag [n] (compared as numbers: forge types tag class and type as distinct enums). */
const isContext = (n: forge.asn1.Asn1, tag: number): boolean => (n.tagClass as number) === 0x80 && (n.type as number) === tag;

function parseCert(der: string): Cert {
  let tbs: forge.asn1.Asn1[];
  try {
    const root = nodeForge().asn1.fromDer(der, true);
    tbs = ((root.value as forge.asn1.Asn1[])[0]?.value ?? []) as forge.asn1.Asn1[];
  } catch {
    throw new FuncError("x509: malformed certificate");
  }
  let ski: string | undefined;
  let aki: string | undefined;
  const extsWrapper = tbs.find((n) => isContext(n, 3));
  const exts = ((extsWrapper?.value as forge.asn1.Asn1[] | undefined)?.[0]?.value ?? []) as forge.asn1.Asn1[];
  for (const ext of exts) {
    const parts = ext.value as forge.asn1.Asn1[];
    const oid = nodeForge().asn1.derToOid(parts[0]?.value as string);
    const octets = parts[parts.length - 1]?.value as string;
    if (oid === "2.5.29.14") ski = nodeForge().asn1.fromDer(octets).value as string;
    if (oid === "2.5.29.35") {
      const keyId = (nodeForge().asn1.fromDer(octets).value as forge.asn1.Asn1[]).find((n) => isContext(n, 0));
      if (keyId !== undefined) aki = keyId.value as string;
    }
  }
  return { der, ski, aki };
}

/** bytes.Equal on Go byte slices: nil equals empty. */
const sameId = (a: string | undefined, b: string | undefined): boolean => (a ?? "") === (b ?? "");

/** ESO's chain ordering: leaf → intermediates → root by AuthorityKeyId/SubjectKeyId links. */
function orderChain(certs: readonly Cert[]): Cert[] {
  const parent = certs.map(() => -1);
  const isParent = certs.map(() => false);
  certs.forEach((c, i) => {
    const j = certs.findIndex((d, k) => k !== i && sameId(c.aki, d.ski));
    if (j >= 0) {
      isParent[j] = true;
      parent[i] = j;
    }
  });
  const leaves = certs.map((_c, i) => i).filter((i) => isParent[i] !== true);
  if (leaves.length > 1) throw new FuncError("found multiple leaf or disjunct certificates");
  const leaf = leaves[0];
  if (leaf === undefined) throw new FuncError("no leaf certificate found");
  const out: Cert[] = [];
  for (let at = leaf; at >= 0; at = parent[at] ?? -1) {
    if (out.length >= certs.length) throw new FuncError("constructing chain resulted in cycle");
    const c = certs[at];
    if (c !== undefined) out.push(c);
  }
  return out;
}

const isRoot = (c: Cert): boolean => c.aki === undefined || sameId(c.aki, c.ski);

function pemCerts(input: string): Cert[] {
  const out: Cert[] = [];
  let data = input;
  for (;;) {
    const d = pemDecode(data);
    if (d === undefined) return out;
    data = d.rest;
    out.push(parseCert(d.block.bytes.toString("latin1")));
  }
}

/** ESO's filterCertChain: the leaf, the intermediates or the root of a PEM bundle. */
export function filterCertChain(certType: string, input: string): string {
  const ordered = orderChain(pemCerts(input));
  switch (certType) {
    case "leaf": {
      const c = ordered[0];
      return c?.aki !== undefined && !sameId(c.aki, c.ski) ? certPem(c.der) : "";
    }
    case "intermediate": {
      let out = "";
      for (const c of ordered.slice(1)) {
        if (isRoot(c)) break;
        out += certPem(c.der);
      }
      return out;
    }
    case "root": {
      const c = ordered[ordered.length - 1];
      return c !== undefined && isRoot(c) ? certPem(c.der) : "";
    }
  }
  return "";
}

// ---- PKCS#12 ----

interface Decoded {
  readonly key: KeyObject;
  readonly leaf: string;
  readonly cas: string[];
}

const KEY_BAG = "1.2.840.113549.1.12.10.1.1";
const SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2";
const CERT_BAG = "1.2.840.113549.1.12.10.1.3";

/** go-pkcs12 DecodeChain: one key, the certificate with bag attributes, the rest as CAs. */
function decodePkcs12(input: string, password: string): Decoded {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = nodeForge().pkcs12.pkcs12FromAsn1(nodeForge().asn1.fromDer(input), false, password);
  } catch {
    throw new FuncError("pkcs12: decryption or MAC verification failed");
  }
  const bags = (oid: string): forge.pkcs12.Bag[] => p12.getBags({ bagType: oid })[oid] ?? [];
  const keyBags = [...bags(SHROUDED_KEY_BAG), ...bags(KEY_BAG)];
  const certBags = bags(CERT_BAG);
  if (keyBags.length !== 1) throw new FuncError(keyBags.length === 0 ? "pkcs12: private key missing" : "pkcs12: expected exactly one key bag");
  const kb = keyBags[0];
  const keyAsn1 = kb?.key != null ? nodeForge().pki.wrapRsaPrivateKey(nodeForge().pki.privateKeyToAsn1(kb.key)) : kb?.asn1;
  if (keyAsn1 === undefined) throw new FuncError("pkcs12: private key missing");
  const key = createPrivateKey({ key: Buffer.from(nodeForge().asn1.toDer(keyAsn1).getBytes(), "latin1"), format: "der", type: "pkcs8" });
  let leaf: string | undefined;
  const cas: string[] = [];
  for (const b of certBags) {
    const asn = b.cert != null ? nodeForge().pki.certificateToAsn1(b.cert) : b.asn1;
    const der = nodeForge().asn1.toDer(asn).getBytes();
    const attrs = b.attributes as Record<string, unknown>;
    if (Object.keys(attrs).length === 0) cas.push(der);
    else if (leaf === undefined) leaf = der;
    else throw new FuncError("pkcs12: expected exactly one certificate with attributes");
  }
  if (leaf === undefined) throw new FuncError("pkcs12: certificate missing");
  return { key, leaf, cas };
}

export function pkcs12key(password: string, input: string): string {
  try {
    return keyPem(decodePkcs12(input, password).key);
  } catch (e: unknown) {
    throw new FuncError(`unable to decode pkcs12 with password: ${e instanceof FuncError ? e.message : "invalid key"}`);
  }
}

export function pkcs12cert(password: string, input: string): string {
  let d: Decoded;
  try {
    d = decodePkcs12(input, password);
  } catch (e: unknown) {
    throw new FuncError(`unable to decode pkcs12 certificate with password: ${e instanceof FuncError ? e.message : "invalid data"}`);
  }
  const all = [d.leaf, ...d.cas];
  try {
    return orderChain(all.map(parseCert)).map((c) => certPem(c.der)).join("");
  } catch {
    // ESO returns the certificates in file order when they do not form one chain.
    return all.map(certPem).join("");
  }
}

function parseAnyKey(der: Buffer): KeyObject {
  for (const type of ["pkcs1", "pkcs8", "sec1"] as const) {
    try {
      return createPrivateKey({ key: der, format: "der", type });
    } catch {
      // try the next encoding
    }
  }
  throw new FuncError("unable to parse private key type");
}

/**
 * pemToPkcs12 and friends: certificate (+ chain) and key as a base64 PKCS#12, written by node-forge
 * (AES-256 PBES2 key bag, SHA-1 MAC) rather than go-pkcs12 Modern; Go reads it (interop-tested).
 */
export function pemToPkcs12(cert: string, key: string, password: string, full: boolean): string {
  const c = pemDecode(cert);
  if (c === undefined) throw new FuncError("no certificate PEM block");
  const certs = [parseCert(c.block.bytes.toString("latin1"))];
  if (full) {
    let rest = c.rest;
    while (rest.length > 0) {
      const d = pemDecode(rest);
      if (d === undefined) throw new FuncError("trailing data is not a PEM certificate");
      certs.push(parseCert(d.block.bytes.toString("latin1")));
      rest = d.rest;
    }
  }
  const k = pemDecode(key);
  if (k === undefined) throw new FuncError("no private key PEM block");
  const keyObj = parseAnyKey(k.block.bytes);
  if (keyObj.asymmetricKeyType !== "rsa") throw new FuncError("kseal writes PKCS#12 for RSA keys only", "TEMPLATE_UNSUPPORTED");
  const forgeKey = nodeForge().pki.privateKeyFromPem(keyObj.export({ type: "pkcs1", format: "pem" }).toString());
  const forgeCerts = certs.map((x) => {
    try {
      return nodeForge().pki.certificateFromAsn1(nodeForge().asn1.fromDer(x.der));
    } catch {
      throw new FuncError("kseal writes PKCS#12 for RSA certificates only", "TEMPLATE_UNSUPPORTED");
    }
  });
  const asn = nodeForge().pkcs12.toPkcs12Asn1(forgeKey, forgeCerts, password, { algorithm: "aes256", generateLocalKeyId: true, count: 2048 });
  return Buffer.from(nodeForge().asn1.toDer(asn).getBytes(), "latin1").toString("base64");
}

// ---- JWK ----

const JWK_TYPES: Record<string, readonly string[] | undefined> = { RSA: [""], EC: ["P-256", "P-384", "P-521"], OKP: ["Ed25519"] };

function parseJwk(input: string): JsonWebKey {
  let j: unknown;
  try {
    j = JSON.parse(Buffer.from(input, "latin1").toString("utf8"));
  } catch {
    throw new FuncError("failed to parse JWK");
  }
  if (typeof j !== "object" || j === null) throw new FuncError("failed to parse JWK");
  const jwk = j as JsonWebKey;
  const curves = JWK_TYPES[String(jwk.kty)];
  if (curves === undefined || (jwk.kty !== "RSA" && !curves.includes(String(jwk.crv)))) throw new FuncError("unsupported JWK key type");
  return jwk;
}

export function jwkPublicKeyPem(input: string): string {
  const jwk = parseJwk(input);
  // ESO marshals the JWK's own key: a private JWK is not a public key.
  if (jwk.d !== undefined) throw new FuncError("x509: unsupported public key type");
  let k: KeyObject;
  try {
    k = createPublicKey({ key: jwk, format: "jwk" });
  } catch {
    throw new FuncError("failed to parse JWK");
  }
  return pemEncode({ type: "PUBLIC KEY", headers: [], bytes: k.export({ type: "spki", format: "der" }) });
}

export function jwkPrivateKeyPem(input: string): string {
  const jwk = parseJwk(input);
  if (jwk.d === undefined) throw new FuncError("x509: unknown key type while marshaling PKCS#8");
  try {
    return keyPem(createPrivateKey({ key: jwk, format: "jwk" }));
  } catch {
    throw new FuncError("failed to parse JWK");
  }
}
