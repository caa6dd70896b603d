import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import type { GoFunc } from "../exec.ts";
import { FuncError } from "../exec.ts";
import type { Value } from "../value.ts";
import { bytesOf, isMap, map, utf8 } from "../value.ts";
import { filterCertChain, jwkPrivateKeyPem, jwkPublicKeyPem, pemToPkcs12, pkcs12cert, pkcs12key } from "./eso-crypto.ts";
import { fromJS, marshalJSON, toJS, unmarshalJSON } from "./json.ts";

/**
 * ESO engine v2's own functions (on top of sprig). The Go oracle carries its own Go versions of
 * the PEM, PKCS#12, JWK and getSecretKey functions, so the differential corpus covers them;
 * toYaml/fromYaml are proven by fixtures (test/template/eso-funcs.test.ts).
 */

interface PemBlock {
  readonly type: string;
  readonly headers: readonly [string, string][];
  readonly bytes: Buffer;
}

const BEGIN = "-----BEGIN ";

/** encoding/pem.Decode: the first PEM block in `data` and the rest, or undefined when none. */
export function pemDecode(data: string): { block: PemBlock; rest: string } | undefined {
  let rest = data;
  for (;;) {
    const start = rest.startsWith(BEGIN) ? 0 : rest.indexOf("\n" + BEGIN);
    if (start < 0) return undefined;
    const at = start === 0 ? 0 : start + 1;
    const afterBegin = rest.slice(at + BEGIN.length);
    const lineEnd = afterBegin.indexOf("\n");
    const typeLine = (lineEnd < 0 ? afterBegin : afterBegin.slice(0, lineEnd)).replace(/[ \t\r]+$/, "");
    if (lineEnd < 0 || !typeLine.endsWith("-----")) {
      rest = afterBegin;
      continue;
    }
    const type = typeLine.slice(0, -5);
    let body = afterBegin.slice(lineEnd + 1);
    const headers: [string, string][] = [];
    for (;;) {
      const nl = body.indexOf("\n");
      const line = nl < 0 ? body : body.slice(0, nl);
      const colon = line.indexOf(":");
      if (colon < 0 || line.startsWith("-----")) break;
      headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
      body = nl < 0 ? "" : body.slice(nl + 1);
    }
    const endMarker = "-----END " + type + "-----";
    const endIdx = body.startsWith(endMarker.slice(1)) ? -1 : body.indexOf("\n" + endMarker);
    let b64: string;
    let after: string;
    if (body.startsWith(endMarker)) {
      b64 = "";
      after = body.slice(endMarker.length);
    } else if (endIdx >= 0) {
      b64 = body.slice(0, endIdx);
      after = body.slice(endIdx + 1 + endMarker.length);
    } else {
      rest = afterBegin;
      continue;
    }
    // The END line may carry trailing spaces, then a newline or the end of input.
    const tail = /^[ \t\r]*(\n|$)/.exec(after);
    const clean = b64.replace(/[ \t\r\n]/g, "");
    if (tail === null || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) {
      rest = afterBegin;
      continue;
    }
    return { block: { type, headers, bytes: Buffer.from(clean, "base64") }, rest: after.slice(tail[0].length) };
  }
}

/** encoding/pem.Encode. */
export function pemEncode(b: PemBlock): string {
  let out = `-----BEGIN ${b.type}-----\n`;
  if (b.headers.length > 0) {
    const sorted = [...b.headers].sort(([a], [c]) => (a === "Proc-Type" ? -1 : c === "Proc-Type" ? 1 : a < c ? -1 : a > c ? 1 : 0));
    for (const [k, v] of sorted) out += `${k}: ${v}\n`;
    out += "\n";
  }
  const b64 = b.bytes.toString("base64");
  for (let i = 0; i < b64.length; i += 64) out += b64.slice(i, i + 64) + "\n";
  return out + `-----END ${b.type}-----\n`;
}

/** ESO's filterPEM: the blocks of one type (case-insensitive), re-encoded; junk alone is an error. */
export function filterPEM(pemType: string, input: string): string {
  let data = input;
  let blocks = "";
  for (;;) {
    const d = pemDecode(data);
    if (d === undefined) break;
    data = d.rest;
    if (d.block.type.toLowerCase() !== pemType.toLowerCase()) continue;
    blocks += pemEncode(d.block);
  }
  // What pem.Decode could not read (Go's `rest`) is whatever is left in `data`.
  if (blocks.length === 0 && data.length !== 0) throw new FuncError("error filtering pem: found junk");
  return blocks;
}

function toYAML(v: Value): string {
  let plain: unknown;
  try {
    // sigs.k8s.io/yaml goes through JSON first, so values are JSON values.
    plain = toJS(unmarshalJSON(marshalJSON(v, { escapeHTML: false })));
  } catch {
    return "";
  }
  const text = stringifyYaml(plain, { indentSeq: false, lineWidth: 0, sortMapEntries: true, aliasDuplicateObjects: false });
  return bytesOf(text.replace(/\n$/, ""));
}

function fromYAML(s: string): Value {
  let doc: unknown;
  try {
    doc = parseYaml(utf8(s));
  } catch {
    return map(new Map([["Error", "error converting YAML to JSON"]]));
  }
  if (doc === null || doc === undefined) return map(new Map());
  const v = fromJS(doc);
  if (!isMap(v)) return map(new Map([["Error", "error unmarshaling JSON: json: cannot unmarshal into Go value of type map[string]interface {}"]]));
  return v;
}

/**
 * The Kubernetes reads ESO's getSecretKey makes, supplied by the caller (the controller reads
 * Secrets it is allowed to, ahead of rendering). Returns the value of `key` in Secret
 * `namespace/name`; throws a KsealError (for example SECRET_NOT_FOUND) when it cannot.
 */
export interface TemplateLookups {
  getSecretKey(name: string, namespace: string, key: string): string | Uint8Array;
}

const S = (v: Value): string => v as string;

/** getSecretKey bound to a lookup port, or failing clearly when there is none. */
export function getSecretKeyFunc(lookups: TemplateLookups | undefined): GoFunc {
  return {
    params: ["string", "string", "string"],
    fn: ([name, ns, key]) => {
      if (lookups === undefined) throw new FuncError("no Kubernetes lookup is available to this render");
      const v = lookups.getSecretKey(utf8(S(name)), utf8(S(ns)), utf8(S(key)));
      return typeof v === "string" ? bytesOf(v) : Buffer.from(v).toString("latin1");
    },
  };
}

export const ESO_FUNCS: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
  ["filterPEM", { params: ["string", "string"], fn: ([t, s]) => filterPEM(S(t), S(s)) }],
  ["filterCertChain", { params: ["string", "string"], fn: ([t, s]) => filterCertChain(S(t), S(s)) }],
  ["toYaml", { params: ["any"], fn: ([v]) => toYAML(v) }],
  ["fromYaml", { params: ["string"], fn: ([s]) => fromYAML(S(s)) }],
  ["pkcs12key", { params: ["string"], fn: ([s]) => pkcs12key("", S(s)) }],
  ["pkcs12keyPass", { params: ["string", "string"], fn: ([p, s]) => pkcs12key(S(p), S(s)) }],
  ["pkcs12cert", { params: ["string"], fn: ([s]) => pkcs12cert("", S(s)) }],
  ["pkcs12certPass", { params: ["string", "string"], fn: ([p, s]) => pkcs12cert(S(p), S(s)) }],
  ["pemToPkcs12", { params: ["string", "string"], fn: ([c, k]) => pemToPkcs12(S(c), S(k), "", false) }],
  ["pemToPkcs12Pass", { params: ["string", "string", "string"], fn: ([c, k, p]) => pemToPkcs12(S(c), S(k), S(p), false) }],
  ["fullPemToPkcs12", { params: ["string", "string"], fn: ([c, k]) => pemToPkcs12(S(c), S(k), "", true) }],
  ["fullPemToPkcs12Pass", { params: ["string", "string", "string"], fn: ([c, k, p]) => pemToPkcs12(S(c), S(k), S(p), true) }],
  ["jwkPublicKeyPem", { params: ["string"], fn: ([s]) => jwkPublicKeyPem(S(s)) }],
  ["jwkPrivateKeyPem", { params: ["string"], fn: ([s]) => jwkPrivateKeyPem(S(s)) }],
  ["getSecretKey", getSecretKeyFunc(undefined)],
]);
