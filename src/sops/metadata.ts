/**
 * The `sops` metadata block: its typed form, and its conversion to and from the generic values the
 * codecs store — nested under a top-level `sops` key (YAML, JSON, binary), flattened with `__map_`
 * / `__list_N` separators under a `[sops]` section (INI) or `sops_`-prefixed keys (dotenv).
 * Master keys other than age (pgp, kms, gcp_kms, azure_kv, hc_vault, hckms) are kept verbatim so
 * a rewrite never drops them.
 */
import { sopsError, SopsCode } from "./errors.ts";
import type { Mapping, Value } from "./tree.ts";

/** A JSON-like value, the neutral form metadata passes through. */
export type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };

export interface AgeKey {
  readonly recipient: string;
  /** The data key (or Shamir share) age-encrypted to `recipient`, ASCII-armored. */
  readonly enc: string;
}

export interface KeyGroup {
  readonly age: readonly AgeKey[];
  /** Other master key types by their metadata name, entries untouched. */
  readonly other: Readonly<Record<string, readonly Plain[]>>;
}

/** The selection rule a file was encrypted with (sops allows at most one). */
export interface Rules {
  readonly unencryptedSuffix?: string;
  readonly encryptedSuffix?: string;
  readonly unencryptedRegex?: string;
  readonly encryptedRegex?: string;
  readonly unencryptedCommentRegex?: string;
  readonly encryptedCommentRegex?: string;
}

export interface Metadata extends Rules {
  readonly keyGroups: readonly KeyGroup[];
  /** 0 when there is one key group. */
  readonly shamirThreshold: number;
  /** RFC 3339, second precision, UTC — the MAC's authenticated data. */
  readonly lastModified: string;
  /** The encrypted MAC (`ENC[...]`), empty when absent. */
  readonly mac: string;
  readonly macOnlyEncrypted: boolean;
  readonly version: string;
}

export const DEFAULT_UNENCRYPTED_SUFFIX = "_unencrypted";
/** The sops version kseal writes into metadata (the format it is compatible with). */
export const SOPS_FORMAT_VERSION = "3.13.3";

const OTHER_KEY_TYPES = ["kms", "gcp_kms", "hckms", "azure_kv", "hc_vault", "pgp"] as const;
const RULE_FIELDS: readonly [keyof Rules, string][] = [
  ["unencryptedSuffix", "unencrypted_suffix"],
  ["encryptedSuffix", "encrypted_suffix"],
  ["unencryptedRegex", "unencrypted_regex"],
  ["encryptedRegex", "encrypted_regex"],
  ["unencryptedCommentRegex", "unencrypted_comment_regex"],
  ["encryptedCommentRegex", "encrypted_comment_regex"],
];

/** Counts the rules set; sops refuses more than one. */
export function ruleCount(r: Rules): number {
  return RULE_FIELDS.filter(([f]) => (r[f] ?? "") !== "").length;
}

function sorted(o: Record<string, Plain>): Record<string, Plain> {
  const out: Record<string, Plain> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k] ?? null;
  return out;
}

function groupToPlain(g: KeyGroup, inGroupList: boolean): Record<string, Plain> {
  const o: Record<string, Plain> = {};
  for (const [type, entries] of Object.entries(g.other)) if (entries.length > 0) o[type] = [...entries];
  if (g.age.length > 0 || inGroupList) {
    o.age = g.age.map((k) => sorted({ recipient: k.recipient, enc: k.enc }));
  }
  // sops always writes these two inside key_groups entries
  if (inGroupList && o.hc_vault === undefined) o.hc_vault = [];
  return o;
}

/** Metadata as sops serializes it (keys sorted, empty fields omitted). */
export function metadataToPlain(m: Metadata): Record<string, Plain> {
  const o: Record<string, Plain> = {};
  if (m.keyGroups.length === 1 && m.keyGroups[0] !== undefined) {
    Object.assign(o, groupToPlain(m.keyGroups[0], false));
  } else if (m.keyGroups.length > 1) {
    o.key_groups = m.keyGroups.map((g) => sorted(groupToPlain(g, true)));
  }
  if (m.shamirThreshold > 0) o.shamir_threshold = m.shamirThreshold;
  o.lastmodified = m.lastModified;
  o.mac = m.mac;
  for (const [field, name] of RULE_FIELDS) {
    const v = m[field];
    if (v !== undefined && v !== "") o[name] = v;
  }
  if (m.macOnlyEncrypted) o.mac_only_encrypted = true;
  o.version = m.version;
  return sorted(o);
}

const isObj = (v: Plain | undefined): v is Record<string, Plain> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function bad(why: string): never {
  throw sopsError(SopsCode.Parse, `invalid sops metadata: ${why}`);
}

function asString(v: Plain | undefined, field: string): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return bad(`${field} is not a string`);
}

function groupFromPlain(o: Record<string, Plain>): KeyGroup {
  const ageRaw = o.age ?? [];
  if (!Array.isArray(ageRaw)) bad("age is not a list");
  const age = ageRaw.map((e) => {
    if (!isObj(e)) return bad("age entry is not a mapping");
    return { recipient: asString(e.recipient, "age.recipient"), enc: asString(e.enc, "age.enc") };
  });
  const other: Record<string, Plain[]> = {};
  for (const t of OTHER_KEY_TYPES) {
    const v = o[t];
    if (v === undefined || v === null) continue;
    if (!Array.isArray(v)) bad(`${t} is not a list`);
    other[t] = v;
  }
  return { age, other };
}

/** Parses the `sops` block. Throws SOPS_PARSE when it is malformed. */
export function metadataFromPlain(p: Plain): Metadata {
  if (!isObj(p)) return bad("not a mapping");
  let keyGroups: KeyGroup[];
  if (p.key_groups !== undefined && p.key_groups !== null) {
    if (!Array.isArray(p.key_groups)) bad("key_groups is not a list");
    keyGroups = p.key_groups.map((g) => (isObj(g) ? groupFromPlain(g) : bad("key group is not a mapping")));
  } else {
    keyGroups = [groupFromPlain(p)];
  }
  const lastModified = asString(p.lastmodified, "lastmodified");
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(lastModified)) bad("lastmodified");
  const thresholdRaw = p.shamir_threshold ?? 0;
  const shamirThreshold = typeof thresholdRaw === "number" ? thresholdRaw : Number(asString(thresholdRaw, "shamir_threshold"));
  if (!Number.isInteger(shamirThreshold) || shamirThreshold < 0) bad("shamir_threshold");
  const moe = p.mac_only_encrypted;
  const macOnlyEncrypted = moe === true || moe === "true" || moe === "True" || moe === "1";
  const rules: Record<string, string> = {};
  for (const [field, name] of RULE_FIELDS) {
    const v = asString(p[name], name);
    if (v !== "") rules[field] = v;
  }
  if (ruleCount(rules) > 1) bad("more than one selection rule");
  if (ruleCount(rules) === 0) rules.unencryptedSuffix = DEFAULT_UNENCRYPTED_SUFFIX;
  return {
    ...rules,
    keyGroups,
    shamirThreshold,
    lastModified,
    mac: asString(p.mac, "mac"),
    macOnlyEncrypted,
    version: asString(p.version, "version"),
  };
}

/** A tree value as plain data (comments dropped; scalars as their text, numbers as numbers). */
export function valueToPlain(v: Value): Plain {
  switch (v.kind) {
    case "null":
      return null;
    case "scalar":
      if (v.type === "int" || v.type === "float") return Number(v.text);
      if (v.type === "bool") return v.text === "True";
      return v.text;
    case "seq":
      return v.items.filter((i) => i.kind !== "comment").map((i) => valueToPlain(i));
    case "map": {
      const o: Record<string, Plain> = {};
      for (const i of v.items) if (i.kind === "pair") o[i.key] = valueToPlain(i.value);
      return o;
    }
  }
}

/** Plain data as a tree value (ints stay ints, strings stay strings). */
export function plainToValue(p: Plain): Value {
  if (p === null) return { kind: "null" };
  if (typeof p === "string") return { kind: "scalar", type: "str", text: p };
  if (typeof p === "boolean") return { kind: "scalar", type: "bool", text: p ? "True" : "False" };
  if (typeof p === "number") return { kind: "scalar", type: Number.isInteger(p) ? "int" : "float", text: String(p) };
  if (Array.isArray(p)) return { kind: "seq", items: p.map(plainToValue) };
  return {
    kind: "map",
    items: Object.entries(p).map(([key, value]) => ({ kind: "pair" as const, key, value: plainToValue(value) })),
  };
}

const MAP_SEP = "__map_";
const LIST_SEP = "__list_";

/** Flattens nested metadata the way sops' `stores.Flatten` does (nested maps/lists → one level). */
export function flatten(o: Record<string, Plain>): [string, string][] {
  const out: [string, string][] = [];
  const visit = (prefix: string, v: Plain): void => {
    if (Array.isArray(v)) v.forEach((x, i) => { visit(`${prefix}${LIST_SEP}${i}`, x); });
    else if (isObj(v)) for (const [k, x] of Object.entries(v)) visit(`${prefix}${MAP_SEP}${k}`, x);
    else out.push([prefix, v === null ? "" : typeof v === "string" ? v : String(v)]);
  };
  for (const [k, v] of Object.entries(o)) {
    if (Array.isArray(v) || isObj(v)) visit(k, v);
    else out.push([k, v === null ? "" : typeof v === "string" ? v : String(v)]);
  }
  return out;
}

/** Inverse of `flatten`. Throws SOPS_PARSE on conflicting paths. */
export function unflatten(entries: readonly [string, string][]): Record<string, Plain> {
  interface N { value?: string; keys?: Map<string, N>; idx?: Map<number, N> }
  const root: N = { keys: new Map() };
  for (const [path, value] of entries) {
    const tokens = path.split(/(?=__map_|__list_)/);
    let node = root;
    tokens.forEach((tok, ti) => {
      let next: N | undefined;
      if (ti > 0 && tok.startsWith(LIST_SEP)) {
        const i = Number(tok.slice(LIST_SEP.length));
        if (!Number.isInteger(i) || i < 0 || i > 10_000) bad("flattened list index");
        node.idx ??= new Map();
        next = node.idx.get(i);
        if (next === undefined) node.idx.set(i, (next = {}));
      } else {
        const k = ti > 0 ? tok.slice(MAP_SEP.length) : tok;
        node.keys ??= new Map();
        next = node.keys.get(k);
        if (next === undefined) node.keys.set(k, (next = {}));
      }
      node = next;
    });
    if (node.value !== undefined) bad("duplicate flattened key");
    node.value = value;
  }
  const convert = (n: N): Plain => {
    const kinds = Number(n.value !== undefined) + Number((n.keys?.size ?? 0) > 0) + Number((n.idx?.size ?? 0) > 0);
    if (kinds > 1) bad("flattened key is both a value and a container");
    if (n.idx !== undefined && n.idx.size > 0) {
      return [...n.idx.entries()].sort((a, b) => a[0] - b[0]).map(([, x]) => convert(x));
    }
    if (n.keys !== undefined && n.keys.size > 0) {
      const o: Record<string, Plain> = {};
      for (const [k, x] of n.keys) o[k] = convert(x);
      return o;
    }
    return n.value ?? null;
  };
  const r = convert(root);
  return isObj(r) ? r : {};
}

/** Removes the top-level `sops` entry from a mapping and returns its value, or undefined. */
export function takeSopsKey(m: Mapping): Value | undefined {
  let found: Value | undefined;
  m.items = m.items.filter((i) => {
    if (i.kind === "pair" && i.key === "sops") {
      found ??= i.value;
      return false;
    }
    return true;
  });
  return found;
}
