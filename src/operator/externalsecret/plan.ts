/**
 * The ExternalSecret decisions, as pure functions of (resource, observed, now): whether to fetch
 * now and when to come back ({@link planRefresh}), how fetched values become Secret data
 * ({@link assembleData}, {@link renderTarget}), and what to write ({@link planWrite}).
 * Nothing here awaits, reads a clock or touches the network; act.ts does the I/O.
 */
import { createHash } from "node:crypto";
import { KsealError, safeMessage } from "../../errors.ts";
import { compileUserRegexp } from "../../regex/go.ts";
import { dataHmac, verifyHmac } from "./hmac.ts";
import { rewriteMerge } from "./merge.ts";
import { nextFire, prevFire } from "./schedule.ts";
import type { ConversionStrategy, DecodingStrategy, ExternalSecret, NullBytePolicy, Rewrite, TemplateSpec } from "./types.ts";
import type { DesiredSecret, ObservedSecret } from "../secrets/index.ts";
import type { RememberedRefresh } from "./refreshes.ts";
import { LABEL_MANAGED, LABEL_OWNER, ANNOTATION_DATA_HMAC, API_VERSION } from "./types.ts";

export const PlanErrorCode = {
  Decode: "ES_DECODE_FAILED",
  NullByte: "ES_NULL_BYTE",
  Rewrite: "ES_REWRITE_FAILED",
  Template: "ES_TEMPLATE_FAILED",
  InvalidKey: "ES_INVALID_SECRET_KEY",
  SecretMissing: "ES_TARGET_SECRET_MISSING",
  NotOwned: "ES_TARGET_NOT_OWNED",
  Immutable: "ES_TARGET_IMMUTABLE",
} as const;

/** Annotation listing the keys an ExternalSecret manages in a Secret (names only, never values). */
export const ANNOTATION_MANAGED_KEYS = "reconcile.kseal.dev/managed-keys";

// ---------------------------------------------------------------------------------------------
// Observed state

export type { ObservedSecret, DesiredSecret } from "../secrets/index.ts";

export function targetName(es: ExternalSecret): string {
  return es.spec.target.name ?? es.metadata.name;
}

/**
 * ESO's `syncedResourceVersion`: the generation plus a digest of labels and annotations, so an
 * edit of the spec or of any annotation — `external-secrets.io/force-sync` included — asks for a sync.
 */
export function resourceVersionOf(es: ExternalSecret): string {
  const md = es.metadata;
  const sorted = (m: Readonly<Record<string, string>> | undefined): [string, string][] =>
    Object.entries(m ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const digest = createHash("sha256")
    .update(JSON.stringify([sorted(md.labels), sorted(md.annotations)]))
    .digest("hex")
    .slice(0, 32);
  return `${md.generation ?? 0}-${digest}`;
}

/** True when the Secret holds exactly what kseal last wrote (keyed HMAC over the managed keys). */
export function secretIntact(es: ExternalSecret, secret: ObservedSecret | undefined, hmacKey: Uint8Array): boolean {
  if (secret === undefined) return false;
  const keys = managedKeysOf(secret);
  if (keys === undefined) return false;
  // A Secret kseal owns whole must hold exactly the managed keys: an added key is drift too.
  if (ownsWholeSecret(es) && Object.keys(secret.data).sort().join(",") !== [...keys].sort().join(",")) return false;
  const type = ownsWholeSecret(es) ? secret.type : "";
  return verifyHmac(hmacKey, secret.annotations[ANNOTATION_DATA_HMAC], secret.data, keys, type);
}

function managedKeysOf(secret: ObservedSecret): string[] | undefined {
  const raw = secret.annotations[ANNOTATION_MANAGED_KEYS];
  if (raw === undefined) return undefined;
  return raw === "" ? [] : raw.split(",");
}

/** Whether kseal writes the whole target Secret (Owner, Orphan), not keys merged into another's. */
export function ownsWholeSecret(es: ExternalSecret): boolean {
  const p = es.spec.target.creationPolicy;
  return p === "Owner" || p === "Orphan";
}

// ---------------------------------------------------------------------------------------------
// When to sync

export type RefreshReason =
  | "never-synced"
  | "spec-changed"
  | "secret-drifted"
  | "interval-elapsed"
  | "schedule-fired"
  | "not-due"
  | "created-once"
  | "outside-sync-window";

export interface RefreshDecision {
  readonly sync: boolean;
  readonly reason: RefreshReason;
  /** When to come back (ms from now); absent = only on the next change. */
  readonly requeueAfterMs?: number;
  /**
   * A periodic or scheduled refresh: the instant it fell due (ms since epoch). Store reads that
   * started at or after it are fresh enough for it (src/stores/coalesce.ts).
   */
  readonly dueAt?: number;
}

function windowState(es: ExternalSecret, now: number): { open: boolean; changeAt?: number } {
  const sw = es.spec.syncWindows;
  if (sw === undefined) return { open: true };
  let inside = false;
  let insideUntil = 0;
  let nextStart = Number.POSITIVE_INFINITY;
  for (const w of sw.windows) {
    const start = prevFire(w.schedule, now);
    if (now < start + w.durationMs) {
      inside = true;
      insideUntil = Math.max(insideUntil, start + w.durationMs);
    }
    nextStart = Math.min(nextStart, nextFire(w.schedule, now));
  }
  const open = sw.kind === "allow" ? inside : !inside;
  const changeAt = inside ? insideUntil : nextStart;
  return Number.isFinite(changeAt) ? { open, changeAt } : { open };
}

/**
 * Whether to fetch from the store now, and when to come back.
 * - no sync yet always syncs; a spec/annotation change syncs, except (as ESO's shouldRefresh) under
 *   `CreatedOnce` or a `Periodic` refreshInterval of 0 once synced — so an ExternalSecret fed by a
 *   Password generator keeps its value when its labels are edited;
 * - a Secret that drifted or vanished is repaired (regenerating generator values, as ESO does) —
 *   except under creationPolicy None (kseal writes nothing) and Orphan, where ESO's isSecretValid
 *   holds any existing or deleted Secret valid until the next refresh;
 * - `CreatedOnce` never refreshes after the first sync; `OnChange` only on changes;
 * - `Periodic` (default) refreshes when `refreshInterval` elapsed (0 = never) or, with the kseal
 *   extension `refreshSchedule`, when the cron fired since the last refresh;
 * - `syncWindows` hold back the periodic/scheduled refreshes (not changes or repairs) outside an
 *   allow window or inside a deny window, and come back when the window opens.
 * `remembered` is what this process keeps of the last refresh (refreshes.ts). Its instant only
 * ever moves the last refresh later (a refresh that changed nothing skips its status write). Its
 * `syncedVersion` — a sync of this very version written to status that the informer's copy does
 * not show yet — stands in for the status; short of that, memory counts as a first sync only
 * under a fetch-once policy.
 */
export function planRefresh(es: ExternalSecret, intact: boolean, now: number, remembered?: RememberedRefresh): RefreshDecision {
  const policy = es.spec.refreshPolicy ?? "Periodic";
  const rememberedRefresh = remembered?.at;
  const version = resourceVersionOf(es);
  const ownWriteUnseen = remembered?.syncedVersion !== undefined && remembered.syncedVersion === version;
  const fromStatus = es.status.refreshTime ? Date.parse(es.status.refreshTime) : Number.NaN;
  // A refresh that changed nothing is not written to status (refreshes.ts): the later of the two
  // counts. A status that lags our own write counts not at all.
  const last = ownWriteUnseen
    ? remembered.at
    : Number.isNaN(fromStatus) || rememberedRefresh === undefined
      ? fromStatus
      : Math.max(fromStatus, rememberedRefresh);
  const synced = ownWriteUnseen ? remembered.syncedVersion : es.status.syncedResourceVersion;
  const periodic = policy === "Periodic";
  const later = (at: number | undefined): number | undefined => (at === undefined ? undefined : Math.max(0, at - now));
  const decide = (sync: boolean, reason: RefreshReason, at: number | undefined): RefreshDecision => {
    const after = later(at);
    return after === undefined ? { sync, reason } : { sync, reason, requeueAfterMs: after };
  };

  const fetchOnce = policy === "CreatedOnce" || (periodic && es.spec.refreshSchedule === undefined && es.spec.refreshIntervalMs <= 0);
  const statusSynced = synced !== undefined && synced !== "" && !Number.isNaN(last);
  // Under a fetch-once policy, a sync remembered for this uid+generation counts even before the
  // informer's copy shows our own status write: refetching then would rotate generator values.
  if (!statusSynced && !(fetchOnce && rememberedRefresh !== undefined)) return decide(true, "never-synced", nextDueAfterSync(es, now));
  if (synced !== version && !fetchOnce) return decide(true, "spec-changed", nextDueAfterSync(es, now));
  const repairable = es.spec.target.creationPolicy !== "None" && es.spec.target.creationPolicy !== "Orphan";
  if (!intact && repairable) return decide(true, "secret-drifted", nextDueAfterSync(es, now));
  if (policy === "CreatedOnce") return decide(false, "created-once", undefined);
  if (policy === "OnChange") return decide(false, "not-due", undefined);

  // The refresh that follows the last one, as if it had just happened.
  const due = nextDueAfterSync(es, Number.isNaN(last) ? now : last);
  if (due === undefined) return decide(false, "not-due", undefined);
  const win = windowState(es, now);
  if (due <= now) {
    if (!win.open) return decide(false, "outside-sync-window", win.changeAt);
    return { ...decide(true, es.spec.refreshSchedule !== undefined ? "schedule-fired" : "interval-elapsed", nextDueAfterSync(es, now)), dueAt: due };
  }
  return decide(false, "not-due", due);
}

/** When the next periodic refresh falls due after a sync performed at `now`. */
export function nextDueAfterSync(es: ExternalSecret, now: number): number | undefined {
  if ((es.spec.refreshPolicy ?? "Periodic") !== "Periodic") return undefined;
  if (es.spec.refreshSchedule !== undefined) return nextFire(es.spec.refreshSchedule, now);
  return es.spec.refreshIntervalMs > 0 ? nextOnGrid(es, now) : undefined;
}

/** The store an ExternalSecret reads from first (its secretStoreRef, else the first sourceRef), as a stable string. */
function storeKey(es: ExternalSecret): string {
  const ref = es.spec.secretStoreRef ?? [...es.spec.data, ...es.spec.dataFrom].find((i) => i.sourceRef?.storeRef !== undefined)?.sourceRef?.storeRef;
  if (ref === undefined) return "";
  // Kind and name only (not the namespace): the phase of a store is then the same wherever it is
  // read from, which keeps schedules predictable; stores of different names still spread out.
  return `${ref.kind}/${ref.name}`;
}

/**
 * The phase of the refresh grid of `es` for `intervalMs`: whole seconds in [0, interval), a stable
 * function of its store's kind and name, so every ExternalSecret of one store with one interval shares the grid
 * while different stores spread over the interval.
 */
export function refreshPhase(es: ExternalSecret, intervalMs: number): number {
  const slots = Math.floor(intervalMs / 1000);
  if (slots < 1) return 0;
  return (storeHash(storeKey(es)) % slots) * 1000;
}

/** First 32 bits of sha256(store key), remembered: a fleet has few stores and many reconciles. */
const storeHashes = new Map<string, number>();

function storeHash(key: string): number {
  let h = storeHashes.get(key);
  if (h === undefined) {
    h = createHash("sha256").update(key).digest().readUInt32BE(0);
    if (storeHashes.size >= 4096) storeHashes.clear();
    storeHashes.set(key, h);
  }
  return h;
}

/**
 * The next periodic refresh after one at `last`: the first grid instant phase + k × interval
 * strictly after `last`.
 *
 * Why a grid and not `last + interval`: ExternalSecrets of one store refresh at the same instants
 * whatever instant each first synced, so reads of a shared key arrive together and the store read
 * coalescer (src/stores/coalesce.ts) serves them with one call. Sound: the next refresh is never
 * later than `last + interval` — the data is never older than the user asked — it may only come
 * earlier, once, to join the grid. Whole-second phases keep grid instants whole seconds when the
 * interval is, so a refreshTime read back from status (RFC 3339, whole seconds) falls on the same
 * grid instant it was written for.
 */
export function nextOnGrid(es: ExternalSecret, last: number): number {
  const interval = es.spec.refreshIntervalMs;
  const phase = refreshPhase(es, interval);
  return Math.floor((last - phase) / interval) * interval + phase + interval;
}

// ---------------------------------------------------------------------------------------------
// From fetched values to data

/** The template engine (src/template) behind a port: Go text/template with ESO's functions. */
export interface TemplateEngine {
  /** Renders `template` with `data` as `.` (values as strings); throws KsealError on a bad template. */
  render(template: string, data: Readonly<Record<string, unknown>>): string;
}

/** One fetch, as act.ts hands it back: a value, a map, or the store's "not found". */
export type Fetched<T> = { readonly kind: "found"; readonly value: T } | { readonly kind: "notFound" };

export interface FetchedData {
  /** Parallel to `spec.data`. */
  readonly data: readonly Fetched<Uint8Array>[];
  /** Parallel to `spec.dataFrom`. */
  readonly dataFrom: readonly Fetched<Record<string, Uint8Array>>[];
}

const STD_B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_B64 = /^[A-Za-z0-9_-]*={0,2}$/;

/** ESO's decodingStrategy on one value. Throws ES_DECODE_FAILED naming the key, never the value. */
export function decodeValue(strategy: DecodingStrategy, value: Uint8Array, key: string): Uint8Array {
  if (strategy === "None") return value;
  const text = Buffer.from(value).toString("latin1").trim();
  const tryStd = (): Uint8Array | undefined => (STD_B64.test(text) && text.length % 4 === 0 ? new Uint8Array(Buffer.from(text, "base64")) : undefined);
  const tryUrl = (): Uint8Array | undefined => (URL_B64.test(text) && text.length % 4 !== 1 ? new Uint8Array(Buffer.from(text, "base64url")) : undefined);
  if (strategy === "Base64") {
    const r = tryStd();
    if (r === undefined) throw new KsealError(PlanErrorCode.Decode, `value of "${key}" is not valid base64`, { details: { key } });
    return r;
  }
  if (strategy === "Base64URL") {
    const r = tryUrl();
    if (r === undefined) throw new KsealError(PlanErrorCode.Decode, `value of "${key}" is not valid base64url`, { details: { key } });
    return r;
  }
  return tryStd() ?? tryUrl() ?? value;
}

const VALID_KEY = /^[-._a-zA-Z0-9]+$/;

/** ESO's conversionStrategy on map keys: invalid characters become `_` (Default) or `_Uxxxx_` (Unicode). */
export function convertKey(strategy: ConversionStrategy, key: string): string {
  let out = "";
  for (const ch of key) {
    if (/[-._a-zA-Z0-9]/.test(ch)) out += ch;
    else if (strategy === "Unicode") out += `_U${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}_`;
    else out += "_";
  }
  return out;
}

function checkNullBytes(policy: NullBytePolicy, value: Uint8Array, key: string): void {
  if (policy === "Fail" && value.includes(0)) throw new KsealError(PlanErrorCode.NullByte, `value of "${key}" contains a NUL byte`, { details: { key } });
}

/**
 * ESO's `rewrite`, applied in order: regexp replaces in every key; transform renders a template with
 * `.value` = key; merge combines JSON-object values (merge.ts).
 */
export function rewriteKeys(rewrites: readonly Rewrite[], map: Readonly<Record<string, Uint8Array>>, engine: TemplateEngine): Record<string, Uint8Array> {
  let current: Record<string, Uint8Array> = { ...map };
  for (const [i, rw] of rewrites.entries()) {
    if ("merge" in rw) {
      current = rewriteMerge(rw.merge, current, i);
      continue;
    }
    const next: Record<string, Uint8Array> = {};
    if ("regexp" in rw) {
      // Go's regexp.ReplaceAllString, as ESO: RE2 syntax, linear time, `$1`/`${name}` expansion.
      const re = compileUserRegexp(rw.regexp.source, `rewrite[${i}].regexp.source`, PlanErrorCode.Rewrite);
      for (const [k, v] of Object.entries(current)) next[re.replaceAll(k, rw.regexp.target)] = v;
    } else {
      for (const [k, v] of Object.entries(current)) {
        let nk: string;
        try {
          nk = engine.render(rw.transform.template, { value: k });
        } catch (e: unknown) {
          throw new KsealError(PlanErrorCode.Rewrite, `rewrite[${i}].transform failed: ${safeMessage(e)}`, { cause: e });
        }
        next[nk] = v;
      }
    }
    current = next;
  }
  return current;
}

export type AssembleResult =
  | { readonly kind: "data"; readonly data: Record<string, Uint8Array> }
  /** Every referenced remote secret is gone and deletionPolicy is Delete/Merge. */
  | { readonly kind: "allGone" };

/**
 * ESO's provider-data step: `dataFrom` in order (rewrite, else key conversion; then decoding), then
 * `data[]` on top. A `notFound` is an error under deletionPolicy Retain (the Secret stays), and is
 * skipped under Delete/Merge; when nothing at all remains the result is `allGone`.
 */
export function assembleData(es: ExternalSecret, fetched: FetchedData, engine: TemplateEngine, storeName: string): AssembleResult {
  const retain = es.spec.target.deletionPolicy === "Retain";
  const out: Record<string, Uint8Array> = {};
  let found = 0;
  const notFound = (key: string): KsealError =>
    new KsealError("SECRET_NOT_FOUND", `secret "${key}" not found in store "${storeName}"`, { details: { store: storeName, key } });
  for (const [i, item] of es.spec.dataFrom.entries()) {
    const f = fetched.dataFrom[i];
    if (f === undefined) continue;
    const what = item.extract?.key ?? item.find?.name?.regexp ?? item.find?.path ?? `dataFrom[${i}]`;
    if (f.kind === "notFound") {
      if (retain) throw notFound(what);
      continue;
    }
    found++;
    const strategy = item.extract ?? item.find;
    let map = item.rewrite.length > 0 ? rewriteKeys(item.rewrite, f.value, engine) : f.value;
    if (item.rewrite.length === 0 && strategy !== undefined) {
      const converted: Record<string, Uint8Array> = {};
      for (const [k, v] of Object.entries(map)) converted[convertKey(strategy.conversionStrategy, k)] = v;
      map = converted;
    }
    for (const [k, v] of Object.entries(map)) {
      const decoded = strategy === undefined ? v : decodeValue(strategy.decodingStrategy, v, k);
      if (strategy !== undefined) checkNullBytes(strategy.nullBytePolicy, decoded, k);
      out[k] = decoded;
    }
  }
  for (const [i, item] of es.spec.data.entries()) {
    const f = fetched.data[i];
    if (f === undefined) continue;
    if (f.kind === "notFound") {
      if (retain) throw notFound(item.remoteRef.key);
      continue;
    }
    found++;
    const v = decodeValue(item.remoteRef.decodingStrategy, f.value, item.secretKey);
    checkNullBytes(item.remoteRef.nullBytePolicy, v, item.secretKey);
    out[item.secretKey] = v;
  }
  if (found === 0 && !retain) return { kind: "allGone" };
  for (const k of Object.keys(out)) {
    if (!VALID_KEY.test(k)) throw new KsealError(PlanErrorCode.InvalidKey, `key "${k}" is not a valid Secret key`, { details: { key: k } });
  }
  return { kind: "data", data: out };
}

/** What `templateFrom` refers to, read by act.ts: configMap/secret name → key → template text. */
export interface TemplateSources {
  readonly configMaps: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly secrets: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface RenderedTarget {
  readonly type: string;
  readonly data: Record<string, Uint8Array>;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

const textDecoder = new TextDecoder();

function renderOne(engine: TemplateEngine, what: string, tpl: string, values: Readonly<Record<string, unknown>>): string {
  try {
    return engine.render(tpl, values);
  } catch (e: unknown) {
    throw new KsealError(PlanErrorCode.Template, `template ${what} failed: ${safeMessage(e)}`, { cause: e, details: { template: what } });
  }
}

/** Parses `key: value` lines (YAML map of strings) rendered by a KeysAndValues/literal template. */
function keyValues(text: string, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const m = /^([^:\s][^:]*):\s?(.*)$/.exec(line);
    if (m?.[1] === undefined) throw new KsealError(PlanErrorCode.Template, `template ${what} did not render key: value lines`);
    let v = (m[2] ?? "").trim();
    if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) v = v.slice(1, -1);
    out[m[1].trim()] = v;
  }
  return out;
}

/**
 * `target.template` (engine v2): renders `data`, `templateFrom` and `metadata` with the provider data
 * as `.`; mergePolicy Merge keeps provider keys beside the rendered ones, Replace keeps only the
 * rendered ones (or the provider data when the template renders no data at all, as ESO).
 */
export function renderTarget(template: TemplateSpec | undefined, data: Readonly<Record<string, Uint8Array>>, sources: TemplateSources, engine: TemplateEngine): RenderedTarget {
  if (template === undefined) return { type: "Opaque", data: { ...data }, labels: {}, annotations: {} };
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) values[k] = textDecoder.decode(v);
  const rendered: Record<string, Uint8Array> = {};
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  const sink = (target: string): Record<string, string> | undefined => {
    const t = target.toLowerCase();
    return t === "labels" ? labels : t === "annotations" ? annotations : undefined;
  };
  const put = (target: string, k: string, v: string): void => {
    const meta = sink(target);
    if (meta === undefined) rendered[k] = new TextEncoder().encode(v);
    else meta[k] = v;
  };
  for (const [i, tf] of template.templateFrom.entries()) {
    if (tf.literal !== undefined) {
      for (const [k, v] of Object.entries(keyValues(renderOne(engine, `templateFrom[${i}].literal`, tf.literal, values), `templateFrom[${i}].literal`))) put(tf.target, k, v);
      continue;
    }
    const ref = tf.configMap ?? tf.secret;
    if (ref === undefined) continue;
    const src = (tf.configMap !== undefined ? sources.configMaps : sources.secrets)[ref.name] ?? {};
    for (const item of ref.items) {
      const text = src[item.key];
      const what = `templateFrom[${i}] ${tf.configMap !== undefined ? "configMap" : "secret"} "${ref.name}" key "${item.key}"`;
      if (text === undefined) throw new KsealError(PlanErrorCode.Template, `${what} not found`);
      const out = renderOne(engine, what, text, values);
      if (item.templateAs === "KeysAndValues") for (const [k, v] of Object.entries(keyValues(out, what))) put(tf.target, k, v);
      else put(tf.target, item.key, out);
    }
  }
  for (const [k, tpl] of Object.entries(template.data)) put("Data", k, renderOne(engine, `data "${k}"`, tpl, values));
  for (const [k, tpl] of Object.entries(template.metadata.labels)) labels[k] = renderOne(engine, `label "${k}"`, tpl, values);
  for (const [k, tpl] of Object.entries(template.metadata.annotations)) annotations[k] = renderOne(engine, `annotation "${k}"`, tpl, values);
  const noDataTemplates = Object.keys(template.data).length === 0 && !template.templateFrom.some((t) => sink(t.target) === undefined);
  const finalData = template.mergePolicy === "Merge" || noDataTemplates ? { ...data, ...rendered } : rendered;
  // Named here: the API server's refusal of the Secret would only say "HTTP 422".
  for (const k of Object.keys(rendered)) {
    if (!VALID_KEY.test(k)) throw new KsealError(PlanErrorCode.InvalidKey, `template key "${k}" is not a valid Secret key`, { details: { key: k } });
  }
  return { type: template.type ?? "Opaque", data: finalData, labels, annotations };
}

// ---------------------------------------------------------------------------------------------
// What to write

export type WritePlan =
  | { readonly kind: "none"; readonly reason: "unchanged" | "creation-policy-none" }
  | { readonly kind: "create"; readonly secret: DesiredSecret }
  | { readonly kind: "update"; readonly secret: DesiredSecret; readonly resourceVersion: string }
  | { readonly kind: "delete"; readonly name: string; readonly resourceVersion: string }
  | { readonly kind: "error"; readonly error: KsealError; readonly reason: "SecretMissing" | "SecretSyncedError" };

/** ESO's `created-by` label: a digest of `namespace/name` (label values cannot hold a slash). */
export function ownerLabel(es: ExternalSecret): string {
  return createHash("sha256").update(`${es.metadata.namespace}/${es.metadata.name}`).digest("hex").slice(0, 56);
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && b !== undefined && Buffer.from(a).equals(Buffer.from(b));
}

function containsAll(have: Readonly<Record<string, string>>, want: Readonly<Record<string, string>>): boolean {
  return Object.entries(want).every(([k, v]) => have[k] === v);
}

/**
 * The write for one reconcile, given what the store produced (`rendered`, or `allGone` when every
 * remote secret was deleted) and the Secret as observed. No write when the Secret already holds
 * exactly the desired content; a store error never reaches here, so it never blanks a Secret.
 */
export function planWrite(
  es: ExternalSecret,
  result: { readonly kind: "rendered"; readonly target: RenderedTarget } | { readonly kind: "allGone" },
  observed: ObservedSecret | undefined,
  hmacKey: Uint8Array,
): WritePlan {
  const policy = es.spec.target.creationPolicy;
  const name = targetName(es);
  const namespace = es.metadata.namespace;
  if (policy === "None") return { kind: "none", reason: "creation-policy-none" };

  if (result.kind === "allGone") {
    if (observed === undefined) return { kind: "none", reason: "unchanged" };
    if (es.spec.target.deletionPolicy === "Delete" && ownsWholeSecret(es)) {
      return { kind: "delete", name, resourceVersion: observed.resourceVersion ?? "" };
    }
    // Merge: drop the keys this ExternalSecret put there, keep the Secret.
    const keys = managedKeysOf(observed) ?? [];
    if (keys.length === 0) return { kind: "none", reason: "unchanged" };
    const data: Record<string, Uint8Array> = { ...observed.data };
    for (const k of keys) Reflect.deleteProperty(data, k);
    const annotations: Record<string, string> = { ...observed.annotations, [ANNOTATION_MANAGED_KEYS]: "" };
    annotations[ANNOTATION_DATA_HMAC] = dataHmac(hmacKey, data, [], "");
    return {
      kind: "update",
      resourceVersion: observed.resourceVersion ?? "",
      secret: { name, namespace, type: observed.type, immutable: observed.immutable, data, labels: observed.labels, annotations },
    };
  }

  const t = result.target;
  const owns = ownsWholeSecret(es);
  const mergeInto = policy === "Merge" || (policy === "CreateOrMerge" && observed !== undefined);
  if (observed === undefined && policy === "Merge") {
    return {
      kind: "error",
      reason: "SecretMissing",
      error: new KsealError(PlanErrorCode.SecretMissing, `target Secret "${name}" does not exist and creationPolicy is Merge`, { details: { secret: name } }),
    };
  }
  if (observed !== undefined && owns && policy === "Owner") {
    const foreign = observed.ownerReferences.find((r) => r.controller === true && r.uid !== es.metadata.uid);
    if (foreign !== undefined) {
      return {
        kind: "error",
        reason: "SecretSyncedError",
        error: new KsealError(PlanErrorCode.NotOwned, `target Secret "${name}" is controlled by another ${foreign.kind} "${foreign.name}"`, { details: { secret: name } }),
      };
    }
  }

  const keys = Object.keys(t.data).sort();
  const labels: Record<string, string> = { ...(mergeInto ? observed?.labels : {}), ...t.labels };
  const annotations: Record<string, string> = { ...(mergeInto ? observed?.annotations : {}), ...t.annotations };
  // As ESO: every Secret an ExternalSecret writes carries the managed label, a merged one too (it is
  // how a change to a Secret without owner reference finds its ExternalSecret, targets.ts).
  labels[LABEL_MANAGED] = "true";
  if (!mergeInto && policy === "Owner") labels[LABEL_OWNER] = ownerLabel(es);
  const previousKeys = observed === undefined ? [] : (managedKeysOf(observed) ?? []);
  const data: Record<string, Uint8Array> = mergeInto && observed !== undefined ? { ...observed.data } : {};
  if (mergeInto) for (const k of previousKeys) if (!(k in t.data)) Reflect.deleteProperty(data, k);
  Object.assign(data, t.data);
  const type = mergeInto && observed !== undefined ? observed.type : t.type;
  annotations[ANNOTATION_MANAGED_KEYS] = keys.join(",");
  annotations[ANNOTATION_DATA_HMAC] = dataHmac(hmacKey, data, keys, owns ? type : "");
  const secret: DesiredSecret = {
    name,
    namespace,
    type,
    immutable: mergeInto && observed !== undefined ? observed.immutable : es.spec.target.immutable,
    data,
    labels,
    annotations,
    ...(policy === "Owner" && es.metadata.uid !== undefined
      ? {
          ownerReference: {
            apiVersion: API_VERSION,
            kind: "ExternalSecret",
            name: es.metadata.name,
            uid: es.metadata.uid,
            controller: true as const,
            blockOwnerDeletion: true as const,
          },
        }
      : {}),
  };
  if (observed === undefined) return { kind: "create", secret };

  const sameData =
    Object.keys(observed.data).length === Object.keys(data).length && Object.entries(data).every(([k, v]) => sameBytes(observed.data[k], v));
  const unchanged =
    sameData &&
    observed.type === type &&
    containsAll(observed.labels, labels) &&
    containsAll(observed.annotations, annotations) &&
    (secret.ownerReference === undefined || observed.ownerReferences.some((r) => r.uid === secret.ownerReference?.uid));
  if (unchanged) return { kind: "none", reason: "unchanged" };
  if (observed.immutable) {
    return {
      kind: "error",
      reason: "SecretSyncedError",
      error: new KsealError(PlanErrorCode.Immutable, `target Secret "${name}" is immutable and its content differs`, { details: { secret: name } }),
    };
  }
  return { kind: "update", secret, resourceVersion: observed.resourceVersion ?? "" };
}
