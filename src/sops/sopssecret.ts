/**
 * The in-cluster pure parts: the SopsSecret resource (kseal.dev/v1alpha1), the decision that
 * turns one into a Secret, the operator's age key Secrets, and migration of isindir's
 * SopsSecret (isindir.github.com/v1alpha3). No I/O here: the controller loads, calls `plan…`,
 * and acts on the returned data.
 *
 * A SopsSecret carries the SOPS document verbatim in `spec.sops` (a string), so the bytes the MAC
 * covers are the bytes sops wrote — the API server never re-serializes them.
 */
import { parse as parseYamlText } from "yaml";
import { isKsealError } from "../errors.ts";
import { decryptValue, isEncrypted } from "./cipher.ts";
import { emitPlain, parseFormat } from "./codecs/index.ts";
import type { Format } from "./codecs/index.ts";
import { openFile, recoverDataKey } from "./document.ts";
import { SopsCode } from "./errors.ts";
import { generateAgeKey, parseIdentities, recipientOf } from "./keys/age.ts";
import { DEFAULT_LIMITS } from "./limits.ts";
import { metadataFromPlain, plainToValue, valueToPlain } from "./metadata.ts";
import type { Plain } from "./metadata.ts";
import type { Branches, Mapping, Value } from "./tree.ts";
import { shouldBeEncrypted } from "./walk.ts";

export const SOPSSECRET_API_VERSION = "kseal.dev/v1alpha1";
export const SOPSSECRET_KIND = "SopsSecret";
export const ISINDIR_API_VERSION = "isindir.github.com/v1alpha3";
/** Label on the operator's own age key Secrets. */
export const AGE_KEY_LABEL = "kseal.dev/sops-age-key";
/** The ConfigMap in the operator's namespace where the public age recipients are published. */
export const AGE_RECIPIENTS_CONFIGMAP = "kseal-age-recipients";
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY = "kseal";

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface Secret {
  apiVersion?: "v1";
  kind?: "Secret";
  metadata: ObjectMeta;
  type?: string;
  data?: Record<string, string>;
}

export interface SopsSecretSpec {
  /** The SOPS-encrypted document exactly as `sops` wrote it. */
  sops: string;
  /** Its format; default yaml. */
  format?: Format;
  target?: {
    /** Secret name; default the SopsSecret's name. */
    name?: string;
    /** Secret type; default Opaque. */
    type?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    /** For the binary format: the data key holding the file; default `data`. */
    key?: string;
  };
}

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  observedGeneration?: number;
}

export interface SopsSecret {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: SopsSecretSpec;
  status?: { observedGeneration?: number; conditions?: Condition[] };
}

/** Why a SopsSecret is not Ready. Each maps to a stable condition reason. */
export type FailureReason =
  | "MacMismatch"
  | "Tampered"
  | "NoUsableKey"
  | "InvalidDocument"
  | "TooLarge"
  | "TargetNotOwned"
  | "InvalidSpec";

export type SopsSecretPlan =
  /** Create or replace the Secret with this one. */
  | { kind: "write"; secret: Secret; condition: Condition }
  /** The existing Secret already matches: no write. */
  | { kind: "unchanged"; condition: Condition }
  /** Terminal until the spec or keys change; the existing Secret must be left untouched. */
  | { kind: "fail"; reason: FailureReason; code: string; condition: Condition };

const REASON_BY_CODE: Record<string, FailureReason> = {
  [SopsCode.MacMismatch]: "MacMismatch",
  [SopsCode.MacInvalid]: "MacMismatch",
  [SopsCode.Tampered]: "Tampered",
  [SopsCode.NoKey]: "NoUsableKey",
  [SopsCode.DecryptFailed]: "NoUsableKey",
  [SopsCode.Limit]: "TooLarge",
};

function fail(reason: FailureReason, code: string, message: string, generation?: number): SopsSecretPlan {
  const condition: Condition = { type: "Ready", status: "False", reason, message };
  if (generation !== undefined) condition.observedGeneration = generation;
  return { kind: "fail", reason, code, condition };
}

function scalarString(v: Value, format: Format): string {
  if (v.kind === "null") return "";
  if (v.kind === "scalar") {
    if (v.type === "bytes") return Buffer.from(v.bytes ?? []).toString("utf8");
    if (v.type === "bool") return v.text === "True" ? "true" : "false";
    return v.text;
  }
  // nested values are stored as the format would write them
  return Buffer.from(emitPlain(format === "json" ? "json" : "yaml", [v.kind === "map" ? v : { kind: "map", items: [{ kind: "pair", key: "value", value: v }] }])).toString("utf8");
}

function pairsOf(m: Mapping): Map<string, Value> {
  const out = new Map<string, Value>();
  for (const i of m.items) if (i.kind === "pair") out.set(i.key, i.value);
  return out;
}

/**
 * Secret data (base64) from a decrypted document: a `kind: Secret` manifest contributes its
 * `data` (already base64) and `stringData`; any other document contributes its top-level keys.
 * INI sections become `section.key`.
 */
export function secretDataFrom(branches: Branches, format: Format, binaryKey = "data"): Record<string, string> {
  const data: Record<string, string> = {};
  const first = branches[0];
  if (first === undefined) return data;
  if (format === "binary") {
    data[binaryKey] = Buffer.from(emitPlain("binary", branches)).toString("base64");
    return data;
  }
  const top = pairsOf(first);
  const kind = top.get("kind");
  if (kind?.kind === "scalar" && kind.text === "Secret") {
    const d = top.get("data");
    if (d?.kind === "map") for (const [k, v] of pairsOf(d)) data[k] = scalarString(v, format);
    const sd = top.get("stringData");
    if (sd?.kind === "map") for (const [k, v] of pairsOf(sd)) data[k] = Buffer.from(scalarString(v, format)).toString("base64");
    return data;
  }
  for (const [k, v] of top) {
    if (format === "ini" && v.kind === "map") {
      for (const [ik, iv] of pairsOf(v)) data[k === "DEFAULT" ? ik : `${k}.${ik}`] = Buffer.from(scalarString(iv, format)).toString("base64");
    } else data[k] = Buffer.from(scalarString(v, format)).toString("base64");
  }
  return data;
}

function ownedBy(secret: Secret, owner: SopsSecret): boolean {
  return (secret.metadata.ownerReferences ?? []).some((r) => r.kind === SOPSSECRET_KIND && r.uid === owner.metadata.uid);
}

function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ea = Object.entries(a ?? {}).sort();
  const eb = Object.entries(b ?? {}).sort();
  return JSON.stringify(ea) === JSON.stringify(eb);
}

function subsetOf(want: Record<string, string> | undefined, have: Record<string, string> | undefined): boolean {
  return Object.entries(want ?? {}).every(([k, v]) => have?.[k] === v);
}

/**
 * Decides what to do for one SopsSecret. Decrypts with `ageIdentities` (the operator's keys) and
 * verifies the MAC. Never throws for bad input: every failure is a `fail` plan with a reason, and
 * in that case the caller must leave `existing` as it is.
 */
export async function planSopsSecret(sopsSecret: SopsSecret, existing: Secret | null, ageIdentities: readonly string[]): Promise<SopsSecretPlan> {
  const gen = sopsSecret.metadata.generation;
  const spec = sopsSecret.spec as Partial<SopsSecretSpec> | undefined;
  const name = spec?.target?.name ?? sopsSecret.metadata.name;
  if (typeof spec?.sops !== "string" || spec.sops === "" || name === undefined || name === "") {
    return fail("InvalidSpec", "SOPS_CONFIG", "spec.sops must hold a SOPS document and the target needs a name", gen);
  }
  let format: Format;
  try {
    format = parseFormat(spec.format ?? "yaml");
  } catch {
    return fail("InvalidSpec", "SOPS_CONFIG", "spec.format must be yaml, json, dotenv, ini or binary", gen);
  }
  if (existing !== null && !ownedBy(existing, sopsSecret)) {
    return fail("TargetNotOwned", "SOPS_TARGET_NOT_OWNED", `Secret ${name} exists and is not owned by this SopsSecret`, gen);
  }
  let data: Record<string, string>;
  try {
    // a binary document is stored as sops' JSON envelope
    const opened = await openFile(Buffer.from(spec.sops, "utf8"), format === "binary" ? "binary" : format, ageIdentities, DEFAULT_LIMITS);
    data = secretDataFrom(opened.branches, format, spec.target?.key);
  } catch (e: unknown) {
    const code = isKsealError(e) ? e.code : "SOPS_PARSE";
    const reason = REASON_BY_CODE[code] ?? "InvalidDocument";
    return fail(reason, code, `cannot decrypt the SOPS document: ${isKsealError(e) ? e.message : "invalid document"}`, gen);
  }
  const labels = { ...(spec.target?.labels ?? {}), [MANAGED_BY_LABEL]: MANAGED_BY };
  const annotations = spec.target?.annotations ?? {};
  const type = spec.target?.type ?? "Opaque";
  const ready: Condition = { type: "Ready", status: "True", reason: "Decrypted", message: `Secret ${name} is up to date` };
  if (gen !== undefined) ready.observedGeneration = gen;
  if (existing !== null && sameMap(existing.data, data) && (existing.type ?? "Opaque") === type &&
    subsetOf(labels, existing.metadata.labels) && subsetOf(annotations, existing.metadata.annotations)) {
    return { kind: "unchanged", condition: ready };
  }
  const metadata: ObjectMeta = {
    name,
    labels: { ...(existing?.metadata.labels ?? {}), ...labels },
    annotations: { ...(existing?.metadata.annotations ?? {}), ...annotations },
    ownerReferences: [{ apiVersion: SOPSSECRET_API_VERSION, kind: SOPSSECRET_KIND, name: sopsSecret.metadata.name ?? name, uid: sopsSecret.metadata.uid ?? "", controller: true, blockOwnerDeletion: true }],
  };
  if (sopsSecret.metadata.namespace !== undefined) metadata.namespace = sopsSecret.metadata.namespace;
  return { kind: "write", secret: { apiVersion: "v1", kind: "Secret", metadata, type, data }, condition: ready };
}

/** Wraps a SOPS document (as sops wrote it) into a SopsSecret manifest. */
export function newSopsSecret(name: string, document: string, opts: { namespace?: string; format?: Format; target?: SopsSecretSpec["target"] } = {}): SopsSecret {
  const metadata: ObjectMeta = { name };
  if (opts.namespace !== undefined) metadata.namespace = opts.namespace;
  const spec: SopsSecretSpec = { sops: document };
  if (opts.format !== undefined && opts.format !== "yaml") spec.format = opts.format;
  if (opts.target !== undefined) spec.target = opts.target;
  return { apiVersion: SOPSSECRET_API_VERSION, kind: SOPSSECRET_KIND, metadata, spec };
}

// ---- age key Secrets -------------------------------------------------------------------------

/**
 * The age identities in one Secret: kseal's own (`identity` entry, labelled `kseal.dev/sops-age-key`)
 * and Flux's convention (any `*.agekey` entry, age-keygen file content). Values are base64 as in
 * `Secret.data`. Unrelated entries are ignored.
 */
export function identitiesFromSecret(secret: Secret): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(secret.data ?? {})) {
    if (k === "identity" || k.endsWith(".agekey")) out.push(...parseIdentities(Buffer.from(v, "base64").toString("utf8")));
  }
  return out;
}

/** All identities across key Secrets, de-duplicated, in the order given (all are tried). */
export function identitiesFromSecrets(secrets: readonly Secret[]): string[] {
  return [...new Set(secrets.flatMap(identitiesFromSecret))];
}

/** The public recipients of those identities (for `GET /v1/age-recipients`). */
export async function recipientsFromSecrets(secrets: readonly Secret[]): Promise<string[]> {
  const out: string[] = [];
  for (const id of identitiesFromSecrets(secrets)) {
    try {
      out.push(await recipientOf(id));
    } catch {
      // an unparsable identity is skipped; it can open nothing either
    }
  }
  return [...new Set(out)];
}

/** A new key Secret for the operator's namespace, holding a fresh X25519 identity. */
export async function newAgeKeySecret(namespace: string, name: string, hybrid = false): Promise<Secret> {
  const { identity, recipient } = await generateAgeKey(hybrid);
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace, labels: { [AGE_KEY_LABEL]: "true", [MANAGED_BY_LABEL]: MANAGED_BY } },
    type: "Opaque",
    data: {
      identity: Buffer.from(`${identity}\n`).toString("base64"),
      recipient: Buffer.from(recipient).toString("base64"),
    },
  };
}

// ---- isindir's SopsSecret ---------------------------------------------------------------------

export interface IsindirTemplate {
  name: string;
  type?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  data?: Record<string, string>;
  stringData?: Record<string, unknown>;
}

export type IsindirPlan =
  | { kind: "secrets"; secrets: Secret[]; condition: Condition }
  | { kind: "fail"; reason: FailureReason; code: string; condition: Condition };

const ISINDIR_MAC_NOTE =
  "MAC not verified: isindir SopsSecrets are encrypted as whole resources and the API server re-serializes them; each value is still authenticated by AES-GCM with its key path";

/**
 * Opens an isindir.github.com/v1alpha3 SopsSecret as read from the API server. Every encrypted
 * value is decrypted and authenticated against its path, but the MAC over the whole document
 * cannot survive the API server's re-serialization, so it is not checked — the Ready condition
 * says so. Owner references point at the isindir object.
 */
export async function planIsindirSopsSecret(obj: Record<string, unknown>, ageIdentities: readonly string[]): Promise<IsindirPlan> {
  const meta = (obj.metadata ?? {}) as ObjectMeta;
  const gen = meta.generation;
  try {
    const metadata = metadataFromPlain((obj.sops ?? null) as Plain);
    const dataKey = await recoverDataKey(metadata, ageIdentities);
    const rest: Record<string, Plain> = {};
    for (const [k, v] of Object.entries(obj)) if (k !== "sops" && k !== "metadata" && k !== "status") rest[k] = v as Plain;
    const opened = openLeniently(plainToValue(rest), [], metadata, dataKey);
    const spec = (valueToPlain(opened) as Record<string, Plain>).spec as { secretTemplates?: IsindirTemplate[] } | undefined;
    const secrets: Secret[] = (spec?.secretTemplates ?? []).map((t) => {
      const data: Record<string, string> = { ...(t.data ?? {}) };
      for (const [k, v] of Object.entries(t.stringData ?? {})) data[k] = Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64");
      const m: ObjectMeta = {
        name: t.name,
        labels: { ...(t.labels ?? {}), [MANAGED_BY_LABEL]: MANAGED_BY },
        annotations: { ...(t.annotations ?? {}) },
        ownerReferences: [{ apiVersion: ISINDIR_API_VERSION, kind: SOPSSECRET_KIND, name: meta.name ?? "", uid: meta.uid ?? "", controller: true, blockOwnerDeletion: true }],
      };
      if (meta.namespace !== undefined) m.namespace = meta.namespace;
      return { apiVersion: "v1", kind: "Secret", metadata: m, type: t.type ?? "Opaque", data };
    });
    const condition: Condition = { type: "Ready", status: "True", reason: "DecryptedMacUnverified", message: ISINDIR_MAC_NOTE };
    if (gen !== undefined) condition.observedGeneration = gen;
    return { kind: "secrets", secrets, condition };
  } catch (e: unknown) {
    const code = isKsealError(e) ? e.code : "SOPS_PARSE";
    const reason = REASON_BY_CODE[code] ?? "InvalidDocument";
    const condition: Condition = { type: "Ready", status: "False", reason, message: `cannot decrypt: ${isKsealError(e) ? e.message : "invalid document"}` };
    if (gen !== undefined) condition.observedGeneration = gen;
    return { kind: "fail", reason, code, condition };
  }
}

function openLeniently(v: Value, path: string[], rules: Parameters<typeof shouldBeEncrypted>[0], key: Uint8Array): Value {
  switch (v.kind) {
    case "map":
      return { kind: "map", items: v.items.map((i) => (i.kind === "pair" ? { kind: "pair" as const, key: i.key, value: openLeniently(i.value, [...path, i.key], rules, key) } : i)) };
    case "seq":
      return { kind: "seq", items: v.items.map((i) => (i.kind === "comment" ? i : openLeniently(i, path, rules, key))) };
    case "scalar":
      if (v.type === "str" && isEncrypted(v.text) && shouldBeEncrypted(rules, path, [], false)) {
        const opened = decryptValue(v.text, key, `${path.join(":")}:`, path.join("."));
        return opened.plain.kind === "scalar" ? opened.plain : v;
      }
      return v;
    case "null":
      return v;
  }
}

/** Parses a SopsSecret or isindir SopsSecret manifest from YAML text (for the CLI). */
export function parseManifest(text: string): Record<string, unknown> {
  const v: unknown = parseYamlText(text);
  return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {};
}
