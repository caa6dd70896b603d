import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import type { GoFunc } from "../exec.ts";
import { FuncError } from "../exec.ts";
import type { Value } from "../value.ts";
import { bytesOf, isMap, map, utf8 } from "../value.ts";
import { fromJS, marshalJSON, toJS, unmarshalJSON } from "./json.ts";

/**
 * ESO engine v2's own functions (on top of sprig). These need ESO's Go code, so the Go oracle
 * cannot run them; they are proven by fixtures (test/template/eso-funcs.test.ts) instead.
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

export const ESO_FUNCS: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
  ["filterPEM", { params: ["string", "string"], fn: ([t, s]) => filterPEM(t as string, s as string) }],
  ["toYaml", { params: ["any"], fn: ([v]) => toYAML(v) }],
  ["fromYaml", { params: ["string"], fn: ([s]) => fromYAML(s as string) }],
]);

/** ESO functions kseal does not implement yet: naming one is a clear parse error. */
export const UNSUPPORTED_ESO: ReadonlySet<string> = new Set([
  "pkcs12key", "pkcs12keyPass", "pkcs12cert", "pkcs12certPass", "pemToPkcs12", "pemToPkcs12Pass",
  "fullPemToPkcs12", "fullPemToPkcs12Pass", "filterCertChain", "jwkPublicKeyPem", "jwkPrivateKeyPem", "getSecretKey",
]);
