/**
 * Turns unknown JSON (what the API server or a test hands over) into the typed resources of
 * ./types.ts, applying ESO's defaults and the same rules the CRD's CEL validations enforce, so an
 * object that slipped past an older schema still fails with a specific, readable error.
 *
 * Every function throws `KsealError("ES_INVALID_SPEC")` naming the JSON path; never a value.
 */
import { goDurationMs } from "../../support/go-duration.ts";
import { KsealError } from "../../errors.ts";
import type {
  ClusterExternalSecret,
  ClusterSecretStoreCondition,
  ConversionStrategy,
  CreationPolicy,
  DataFromItem,
  DataItem,
  DecodingStrategy,
  DeletionPolicy,
  ExternalSecret,
  ExternalSecretSpec,
  FindSpecInput,
  LabelSelector,
  MetadataPolicy,
  NullBytePolicy,
  ObjectMeta,
  RefreshPolicy,
  RemoteRefSpec,
  Rewrite,
  SecretStore,
  StoreKind,
  StoreRef,
  SyncWindows,
  TargetSpec,
  TemplateFrom,
  TemplateRefItem,
  TemplateSpec,
} from "./types.ts";
import { API_VERSION } from "./types.ts";

export const INVALID_SPEC = "ES_INVALID_SPEC";

function invalid(path: string, what: string): KsealError {
  return new KsealError(INVALID_SPEC, `${path}: ${what}`, { details: { path } });
}

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
function object(v: unknown, path: string): Json {
  if (!isObj(v)) throw invalid(path, "must be an object");
  return v;
}
function optObject(v: unknown, path: string): Json | undefined {
  return v === undefined || v === null ? undefined : object(v, path);
}
function string(v: unknown, path: string): string {
  if (typeof v !== "string") throw invalid(path, "must be a string");
  return v;
}
function optString(v: unknown, path: string): string | undefined {
  return v === undefined || v === null ? undefined : string(v, path);
}
function nonEmpty(v: unknown, path: string): string {
  const s = string(v, path);
  if (s === "") throw invalid(path, "must not be empty");
  return s;
}
function blank(s: string | undefined): string | undefined {
  return s === "" ? undefined : s;
}
function array(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(path, "must be a list");
  return v as unknown[];
}
function stringMap(v: unknown, path: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  const o = object(v, path);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(o)) out[k] = string(x, `${path}.${k}`);
  return out;
}
function oneOf<T extends string>(v: unknown, path: string, allowed: readonly T[], dflt: T): T;
function oneOf<T extends string>(v: unknown, path: string, allowed: readonly T[], dflt?: undefined): T | undefined;
function oneOf<T extends string>(v: unknown, path: string, allowed: readonly T[], dflt?: T): T | undefined {
  if (v === undefined || v === null || v === "") return dflt;
  const s = string(v, path);
  if (!(allowed as readonly string[]).includes(s)) throw invalid(path, `must be one of ${allowed.join(", ")}`);
  return s as T;
}
function optional<K extends string, V>(key: K, v: V | undefined): Partial<Record<K, V>> {
  return v === undefined ? {} : ({ [key]: v } as Record<K, V>);
}

/** Go's `time.ParseDuration` (what `metav1.Duration` accepts), in milliseconds. */
export function parseDuration(text: string, path = "duration"): number {
  const ms = goDurationMs(text);
  if (ms === undefined) throw invalid(path, "is not a duration such as 1h, 15m or 30s");
  return ms;
}

function meta(v: unknown, path: string): ObjectMeta {
  const m = object(v, path);
  return {
    name: nonEmpty(m.name, `${path}.name`),
    ...optional("namespace", optString(m.namespace, `${path}.namespace`)),
    ...optional("uid", optString(m.uid, `${path}.uid`)),
    ...optional("generation", typeof m.generation === "number" ? m.generation : undefined),
    ...optional("resourceVersion", optString(m.resourceVersion, `${path}.resourceVersion`)),
    ...optional("creationTimestamp", optString(m.creationTimestamp, `${path}.creationTimestamp`)),
    ...optional("deletionTimestamp", optString(m.deletionTimestamp, `${path}.deletionTimestamp`)),
    labels: stringMap(m.labels, `${path}.labels`),
    annotations: stringMap(m.annotations, `${path}.annotations`),
  };
}

const STORE_KINDS: readonly StoreKind[] = ["SecretStore", "ClusterSecretStore"];
const DECODINGS: readonly DecodingStrategy[] = ["Auto", "Base64", "Base64URL", "None"];
const CONVERSIONS: readonly ConversionStrategy[] = ["Default", "Unicode"];
const NULLBYTES: readonly NullBytePolicy[] = ["Ignore", "Fail"];

function storeRef(v: unknown, path: string): StoreRef | undefined {
  const o = optObject(v, path);
  if (o === undefined) return undefined;
  return { name: nonEmpty(o.name, `${path}.name`), kind: oneOf(o.kind, `${path}.kind`, STORE_KINDS, "SecretStore") };
}

function sourceRef(v: unknown, path: string): DataItem["sourceRef"] {
  const o = optObject(v, path);
  if (o === undefined) return undefined;
  const sr = storeRef(o.storeRef, `${path}.storeRef`);
  const g = optObject(o.generatorRef, `${path}.generatorRef`);
  if ((sr === undefined) === (g === undefined)) throw invalid(path, "generatorRef or storeRef must be set (exactly one)");
  return {
    ...optional("storeRef", sr),
    ...optional(
      "generatorRef",
      g === undefined
        ? undefined
        : {
            apiVersion: optString(g.apiVersion, `${path}.generatorRef.apiVersion`) ?? "generators.external-secrets.io/v1alpha1",
            kind: nonEmpty(g.kind, `${path}.generatorRef.kind`),
            name: nonEmpty(g.name, `${path}.generatorRef.name`),
          },
    ),
  };
}

function remoteRef(v: unknown, path: string): RemoteRefSpec {
  const o = object(v, path);
  return {
    key: nonEmpty(o.key, `${path}.key`),
    ...optional("property", blank(optString(o.property, `${path}.property`))),
    ...optional("version", blank(optString(o.version, `${path}.version`))),
    metadataPolicy: oneOf<MetadataPolicy>(o.metadataPolicy, `${path}.metadataPolicy`, ["None", "Fetch"], "None"),
    decodingStrategy: oneOf(o.decodingStrategy, `${path}.decodingStrategy`, DECODINGS, "None"),
    conversionStrategy: oneOf(o.conversionStrategy, `${path}.conversionStrategy`, CONVERSIONS, "Default"),
    nullBytePolicy: oneOf(o.nullBytePolicy, `${path}.nullBytePolicy`, NULLBYTES, "Ignore"),
  };
}

function rewrite(v: unknown, path: string): Rewrite {
  const o = object(v, path);
  const keys = Object.keys(o).filter((k) => o[k] !== undefined && o[k] !== null);
  if (keys.length !== 1) throw invalid(path, "a rewrite sets exactly one of regexp, transform or merge");
  if (isObj(o.regexp)) {
    return {
      regexp: { source: string(o.regexp.source, `${path}.regexp.source`), target: string(o.regexp.target, `${path}.regexp.target`) },
    };
  }
  if (isObj(o.transform)) return { transform: { template: string(o.transform.template, `${path}.transform.template`) } };
  if (isObj(o.merge)) {
    const m = o.merge;
    const p = `${path}.merge`;
    return {
      merge: {
        into: optString(m.into, `${p}.into`) ?? "",
        priority: array(m.priority, `${p}.priority`).map((k, i) => string(k, `${p}.priority[${i}]`)),
        priorityPolicy: oneOf(m.priorityPolicy, `${p}.priorityPolicy`, ["IgnoreNotFound", "Strict"], "Strict"),
        conflictPolicy: oneOf(m.conflictPolicy, `${p}.conflictPolicy`, ["Ignore", "Error"], "Error"),
        strategy: oneOf(m.strategy, `${p}.strategy`, ["Extract", "JSON"], "Extract"),
      },
    };
  }
  throw invalid(path, "a rewrite sets exactly one of regexp, transform or merge");
}

function find(v: unknown, path: string): FindSpecInput {
  const o = object(v, path);
  const name = optObject(o.name, `${path}.name`);
  const tags = o.tags === undefined ? undefined : stringMap(o.tags, `${path}.tags`);
  const p = optString(o.path, `${path}.path`);
  if (name === undefined && tags === undefined && p === undefined) throw invalid(path, "find needs at least one of name, tags or path");
  return {
    ...optional("path", p),
    ...optional("name", name === undefined ? undefined : { regexp: string(name.regexp, `${path}.name.regexp`) }),
    ...optional("tags", tags),
    decodingStrategy: oneOf(o.decodingStrategy, `${path}.decodingStrategy`, DECODINGS, "None"),
    conversionStrategy: oneOf(o.conversionStrategy, `${path}.conversionStrategy`, CONVERSIONS, "Default"),
    nullBytePolicy: oneOf(o.nullBytePolicy, `${path}.nullBytePolicy`, NULLBYTES, "Ignore"),
  };
}

function dataFromItem(v: unknown, path: string): DataFromItem {
  const o = object(v, path);
  const extract = o.extract === undefined || o.extract === null ? undefined : remoteRef(o.extract, `${path}.extract`);
  const f = o.find === undefined || o.find === null ? undefined : find(o.find, `${path}.find`);
  const sr = sourceRef(o.sourceRef, `${path}.sourceRef`);
  if (extract === undefined && f === undefined && sr === undefined) throw invalid(path, "either extract, find, or sourceRef must be set to dataFrom");
  if ((extract !== undefined ? 1 : 0) + (f !== undefined ? 1 : 0) + (sr?.generatorRef !== undefined ? 1 : 0) > 1) {
    throw invalid(path, "extract, find, or generatorRef cannot be set at the same time");
  }
  return {
    ...optional("extract", extract),
    ...optional("find", f),
    ...optional("sourceRef", sr),
    rewrite: array(o.rewrite, `${path}.rewrite`).map((r, i) => rewrite(r, `${path}.rewrite[${i}]`)),
  };
}

function templateRefItems(v: unknown, path: string): TemplateRefItem[] {
  return array(v, path).map((x, i) => {
    const o = object(x, `${path}[${i}]`);
    return {
      key: nonEmpty(o.key, `${path}[${i}].key`),
      templateAs: oneOf(o.templateAs, `${path}[${i}].templateAs`, ["Values", "KeysAndValues"] as const, "Values"),
    };
  });
}

function templateFrom(v: unknown, path: string): TemplateFrom {
  const o = object(v, path);
  const ref = (x: unknown, p: string): { name: string; items: TemplateRefItem[] } | undefined => {
    const r = optObject(x, p);
    return r === undefined ? undefined : { name: nonEmpty(r.name, `${p}.name`), items: templateRefItems(r.items, `${p}.items`) };
  };
  const target = optString(o.target, `${path}.target`) ?? "Data";
  if (!["", "data", "annotations", "labels"].includes(target.toLowerCase())) {
    throw invalid(`${path}.target`, "must be one of Data, Annotations or Labels when targeting a Secret");
  }
  return {
    ...optional("configMap", ref(o.configMap, `${path}.configMap`)),
    ...optional("secret", ref(o.secret, `${path}.secret`)),
    ...optional("literal", optString(o.literal, `${path}.literal`)),
    target: target === "" ? "Data" : target,
  };
}

function template(v: unknown, path: string): TemplateSpec | undefined {
  const o = optObject(v, path);
  if (o === undefined) return undefined;
  const md = optObject(o.metadata, `${path}.metadata`) ?? {};
  const type = optString(o.type, `${path}.type`);
  const annotations = stringMap(md.annotations, `${path}.metadata.annotations`);
  if (type === "bootstrap.kubernetes.io/token") throw invalid(`${path}.type`, 'template.type="bootstrap.kubernetes.io/token" is not allowed');
  if (type === "kubernetes.io/service-account-token" && "kubernetes.io/service-account.name" in annotations) {
    throw invalid(`${path}.metadata.annotations`, 'template.type="kubernetes.io/service-account-token" with annotation "kubernetes.io/service-account.name" is not allowed');
  }
  return {
    ...optional("type", blank(type)),
    engineVersion: oneOf(o.engineVersion, `${path}.engineVersion`, ["v2"] as const, "v2"),
    mergePolicy: oneOf(o.mergePolicy, `${path}.mergePolicy`, ["Replace", "Merge"] as const, "Replace"),
    metadata: { annotations, labels: stringMap(md.labels, `${path}.metadata.labels`) },
    data: stringMap(o.data, `${path}.data`),
    templateFrom: array(o.templateFrom, `${path}.templateFrom`).map((t, i) => templateFrom(t, `${path}.templateFrom[${i}]`)),
  };
}

function target(v: unknown, path: string): TargetSpec {
  const o = optObject(v, path) ?? {};
  const creationPolicy = oneOf<CreationPolicy>(o.creationPolicy, `${path}.creationPolicy`, ["Owner", "Orphan", "Merge", "None", "CreateOrMerge"], "Owner");
  const deletionPolicy = oneOf<DeletionPolicy>(o.deletionPolicy, `${path}.deletionPolicy`, ["Delete", "Merge", "Retain"], "Retain");
  if (deletionPolicy === "Delete" && !["Owner", "Orphan"].includes(creationPolicy)) {
    throw invalid(path, "deletionPolicy=Delete must not be used when the controller doesn't own the secret. Please set creationPolicy=Owner");
  }
  if (deletionPolicy === "Merge" && creationPolicy === "None") {
    throw invalid(path, "deletionPolicy=Merge must not be used with creationPolicy=None. There is no Secret to merge with");
  }
  if (o.manifest !== undefined && o.manifest !== null) throw invalid(`${path}.manifest`, "non-Secret targets are not supported by kseal");
  return {
    ...optional("name", blank(optString(o.name, `${path}.name`))),
    creationPolicy,
    deletionPolicy,
    ...optional("template", template(o.template, `${path}.template`)),
    immutable: o.immutable === true,
  };
}

function syncWindows(v: unknown, path: string): SyncWindows | undefined {
  const o = optObject(v, path);
  if (o === undefined) return undefined;
  const windows = array(o.windows, `${path}.windows`).map((w, i) => {
    const x = object(w, `${path}.windows[${i}]`);
    return {
      schedule: nonEmpty(x.schedule, `${path}.windows[${i}].schedule`),
      durationMs: parseDuration(string(x.duration, `${path}.windows[${i}].duration`), `${path}.windows[${i}].duration`),
    };
  });
  if (windows.length === 0) throw invalid(`${path}.windows`, "needs at least one window");
  return { kind: oneOf(o.kind, `${path}.kind`, ["allow", "deny"] as const, "allow"), windows };
}

/** `spec` of an ExternalSecret (also the `externalSecretSpec` of a ClusterExternalSecret). */
export function parseExternalSecretSpec(v: unknown, path = "spec"): ExternalSecretSpec {
  const o = object(v, path);
  const data = array(o.data, `${path}.data`).map((d, i): DataItem => {
    const x = object(d, `${path}.data[${i}]`);
    const sr = sourceRef(x.sourceRef, `${path}.data[${i}].sourceRef`);
    return {
      secretKey: nonEmpty(x.secretKey, `${path}.data[${i}].secretKey`),
      remoteRef: remoteRef(x.remoteRef, `${path}.data[${i}].remoteRef`),
      ...optional("sourceRef", sr),
    };
  });
  const dataFrom = array(o.dataFrom, `${path}.dataFrom`).map((d, i) => dataFromItem(d, `${path}.dataFrom[${i}]`));
  if (data.length === 0 && dataFrom.length === 0) throw invalid(path, "either data or dataFrom should be specified");
  const seen = new Set<string>();
  for (const [i, d] of data.entries()) {
    if (seen.has(d.secretKey)) throw invalid(`${path}.data[${i}].secretKey`, "duplicate secretKey found");
    seen.add(d.secretKey);
  }
  const interval = optString(o.refreshInterval, `${path}.refreshInterval`);
  const schedule = optString(o.refreshSchedule, `${path}.refreshSchedule`);
  return {
    ...optional("secretStoreRef", storeRef(o.secretStoreRef, `${path}.secretStoreRef`)),
    target: target(o.target, `${path}.target`),
    ...optional("refreshPolicy", oneOf<RefreshPolicy>(o.refreshPolicy, `${path}.refreshPolicy`, ["CreatedOnce", "Periodic", "OnChange"])),
    refreshIntervalMs: interval === undefined ? 3_600_000 : parseDuration(interval, `${path}.refreshInterval`),
    ...optional("refreshSchedule", blank(schedule)),
    ...optional("syncWindows", syncWindows(o.syncWindows, `${path}.syncWindows`)),
    data,
    dataFrom,
  };
}

/** A whole ExternalSecret object. */
export function parseExternalSecret(v: unknown): ExternalSecret {
  const o = object(v, "ExternalSecret");
  const m = meta(o.metadata, "metadata");
  if (m.namespace === undefined || m.namespace === "") throw invalid("metadata.namespace", "must be set");
  const status = optObject(o.status, "status") ?? {};
  return {
    apiVersion: API_VERSION,
    kind: "ExternalSecret",
    metadata: { ...m, namespace: m.namespace },
    spec: parseExternalSecretSpec(o.spec),
    status: status,
  };
}

export function parseLabelSelector(v: unknown, path: string): LabelSelector | undefined {
  const o = optObject(v, path);
  if (o === undefined) return undefined;
  const exprs = array(o.matchExpressions, `${path}.matchExpressions`).map((e, i) => {
    const x = object(e, `${path}.matchExpressions[${i}]`);
    return {
      key: nonEmpty(x.key, `${path}.matchExpressions[${i}].key`),
      operator: oneOf(x.operator, `${path}.matchExpressions[${i}].operator`, ["In", "NotIn", "Exists", "DoesNotExist"] as const, "In"),
      values: array(x.values, `${path}.matchExpressions[${i}].values`).map((s, j) => string(s, `${path}.matchExpressions[${i}].values[${j}]`)),
    };
  });
  return { matchLabels: stringMap(o.matchLabels, `${path}.matchLabels`), matchExpressions: exprs };
}

/** Up to five keys, for a message. */
function names(keys: readonly string[]): string {
  return `${keys.slice(0, 5).join(", ")}${keys.length > 5 ? ", …" : ""}`;
}

/** A SecretStore or ClusterSecretStore. */
export function parseSecretStore(v: unknown): SecretStore {
  const o = object(v, "SecretStore");
  const kind = oneOf(o.kind, "kind", STORE_KINDS, "SecretStore");
  const spec = object(o.spec, "spec");
  if (spec.provider === undefined || spec.provider === null) throw invalid("spec.provider", "is required: a store configures exactly one provider");
  const provider = object(spec.provider, "spec.provider");
  const keys = Object.keys(provider).filter((k) => provider[k] !== undefined && provider[k] !== null);
  const [key] = keys;
  if (keys.length !== 1 || key === undefined) {
    // A provider key with nothing under it (`doppler:` in YAML) is null: named, as it is what the author meant.
    const empty = Object.keys(provider).filter((k) => provider[k] === null);
    const found = keys.length > 0 ? `${String(keys.length)} (${names(keys)})` : empty.length > 0 ? `none (${names(empty)} ${empty.length === 1 ? "is" : "are"} empty)` : "none";
    throw invalid("spec.provider", `a store configures exactly one provider, found ${found}`);
  }
  const conditions = array(spec.conditions, "spec.conditions").map((c, i): ClusterSecretStoreCondition => {
    const x = object(c, `spec.conditions[${i}]`);
    return {
      ...optional("namespaceSelector", parseLabelSelector(x.namespaceSelector, `spec.conditions[${i}].namespaceSelector`)),
      namespaces: array(x.namespaces, `spec.conditions[${i}].namespaces`).map((s, j) => string(s, `spec.conditions[${i}].namespaces[${j}]`)),
      namespaceRegexes: array(x.namespaceRegexes, `spec.conditions[${i}].namespaceRegexes`).map((s, j) =>
        string(s, `spec.conditions[${i}].namespaceRegexes[${j}]`),
      ),
    };
  });
  return {
    kind,
    metadata: meta(o.metadata, "metadata"),
    spec: {
      ...optional("controller", blank(optString(spec.controller, "spec.controller"))),
      provider: { key, spec: provider[key] },
      conditions,
    },
    status: (optObject(o.status, "status") ?? {}),
  };
}

/** A ClusterExternalSecret; its `externalSecretSpec` is validated but kept raw for copying. */
export function parseClusterExternalSecret(v: unknown): ClusterExternalSecret {
  const o = object(v, "ClusterExternalSecret");
  const spec = object(o.spec, "spec");
  const esSpec = object(spec.externalSecretSpec, "spec.externalSecretSpec");
  parseExternalSecretSpec(esSpec, "spec.externalSecretSpec");
  const md = optObject(spec.externalSecretMetadata, "spec.externalSecretMetadata") ?? {};
  const selectors: LabelSelector[] = [];
  const single = parseLabelSelector(spec.namespaceSelector, "spec.namespaceSelector");
  if (single !== undefined) selectors.push(single);
  for (const [i, s] of array(spec.namespaceSelectors, "spec.namespaceSelectors").entries()) {
    const sel = parseLabelSelector(s, `spec.namespaceSelectors[${i}]`);
    if (sel !== undefined) selectors.push(sel);
  }
  const refresh = optString(spec.refreshTime, "spec.refreshTime");
  return {
    kind: "ClusterExternalSecret",
    metadata: meta(o.metadata, "metadata"),
    spec: {
      externalSecretSpec: esSpec,
      ...optional("externalSecretName", blank(optString(spec.externalSecretName, "spec.externalSecretName"))),
      externalSecretMetadata: {
        annotations: stringMap(md.annotations, "spec.externalSecretMetadata.annotations"),
        labels: stringMap(md.labels, "spec.externalSecretMetadata.labels"),
      },
      namespaceSelectors: selectors,
      namespaces: array(spec.namespaces, "spec.namespaces").map((s, i) => string(s, `spec.namespaces[${i}]`)),
      refreshTimeMs: refresh === undefined ? 60_000 : parseDuration(refresh, "spec.refreshTime"),
    },
    status: (optObject(o.status, "status") ?? {}),
  };
}
