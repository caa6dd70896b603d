/**
 * Small pieces every provider shares: turning JSON values into bytes the way ESO does, property
 * selection with ESO's error, name/tag matching for `find`, and HTTP-status → error-code mapping.
 */
import { SecretNotFoundError, StoreErrorCode, storeError, type ConfigMapKeyRef, type FindSpec, type ServiceAccountRef, type StoreContext } from "./contract.ts";
import { selectProperty } from "./gjson.ts";
import type { KsealError } from "../errors.ts";
import { compileUserRegexp } from "../regex/go.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false });

export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

export function fromUtf8(b: Uint8Array): string {
  return decoder.decode(b);
}

/** ESO's `caProvider`: a CA bundle in a key of a Secret or of a ConfigMap. */
export interface CaProviderRef extends ConfigMapKeyRef {
  readonly type: "Secret" | "ConfigMap";
}

/** The bytes a `caProvider` names, read through the store context (with its errors for either kind). */
export function readCaProvider(ctx: StoreContext, ca: CaProviderRef): Promise<Uint8Array> {
  const ref = { name: ca.name, key: ca.key, ...(ca.namespace === undefined ? {} : { namespace: ca.namespace }) };
  return ca.type === "ConfigMap" ? ctx.readConfigMapKey(ref) : ctx.readSecretKey(ref);
}

/** A JSON value as bytes: strings as their UTF-8, anything else as compact JSON (gjson's `String()`). */
export function jsonValueBytes(v: unknown): Uint8Array {
  return utf8(typeof v === "string" ? v : JSON.stringify(v));
}

/** Parses JSON, or returns undefined when the text is not JSON. */
export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Applies `property` to a parsed value; throws SECRET_PROPERTY_NOT_FOUND naming key and property. */
export function pickProperty(store: string, key: string, root: unknown, property: string): unknown {
  const r = selectProperty(root, property);
  if (!r.found) {
    throw storeError(StoreErrorCode.NoSuchProperty, `property "${property}" not found in secret "${key}" of store "${store}"`, {
      details: { store, key, property },
    });
  }
  return r.value;
}

/** A JSON object's entries as bytes; throws BAD_REQUEST when the value is not an object. */
export function objectToMap(store: string, key: string, value: unknown): Record<string, Uint8Array> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw storeError(StoreErrorCode.BadRequest, `secret "${key}" of store "${store}" is not a JSON object`, {
      details: { store, key },
    });
  }
  const out: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = jsonValueBytes(v);
  return out;
}

/**
 * Compiles `find.name.regexp` with Go's regexp (RE2: ESO's syntax, linear-time matching); throws
 * BAD_REQUEST on a pattern Go's regexp.Compile rejects.
 */
export function nameMatcher(store: string, find: FindSpec): (name: string) => boolean {
  if (find.name === undefined) return () => true;
  const re = compileUserRegexp(find.name.regexp, `find.name.regexp of store "${store}"`, StoreErrorCode.BadRequest, { store });
  return (name) => re.test(name);
}

/** True when every wanted tag is present with exactly that value. */
export function tagsMatch(wanted: Readonly<Record<string, string>> | undefined, actual: Readonly<Record<string, string>>): boolean {
  if (wanted === undefined) return true;
  return Object.entries(wanted).every(([k, v]) => actual[k] === v);
}

/**
 * The error for a failed HTTP-ish call, by status. Deterministic: only the store, key and operation
 * appear in the message (never the store's own error text, which may echo data or request ids).
 */
export function errorForStatus(
  status: number,
  ctx: { store: string; key?: string; op: string; provider: string },
  cause?: unknown,
): KsealError {
  const where = ctx.key === undefined ? `store "${ctx.store}"` : `secret "${ctx.key}" of store "${ctx.store}"`;
  const details: Record<string, string | number> = { store: ctx.store, provider: ctx.provider, op: ctx.op, status };
  if (ctx.key !== undefined) details.key = ctx.key;
  const opts = { cause, details };
  if (status === 404 && ctx.key !== undefined) return new SecretNotFoundError(ctx.store, ctx.key, { cause });
  if (status === 401) return storeError(StoreErrorCode.AuthFailed, `${ctx.provider}: authentication failed for ${where} (${ctx.op})`, opts);
  if (status === 403) return storeError(StoreErrorCode.PermissionDenied, `${ctx.provider}: permission denied on ${where} (${ctx.op})`, opts);
  if (status === 429) return storeError(StoreErrorCode.Throttled, `${ctx.provider}: throttled on ${where} (${ctx.op})`, opts);
  if (status === 400 || status === 404 || status === 405 || status === 409 || status === 422) {
    return storeError(StoreErrorCode.BadRequest, `${ctx.provider}: request rejected (HTTP ${String(status)}) for ${where} (${ctx.op})`, opts);
  }
  return storeError(StoreErrorCode.Unavailable, `${ctx.provider}: unavailable (HTTP ${String(status)}) for ${where} (${ctx.op})`, opts);
}

/** STORE_INVALID_CONFIG for a field of a store's spec: "<field> <why>", the field in details. */
export function specInvalid(field: string, why: string): KsealError {
  return storeError(StoreErrorCode.InvalidConfig, `${field} ${why}`, { details: { field } });
}

/** Reads a required string field of an unknown object; throws STORE_INVALID_CONFIG naming the field. */
export function specString(obj: Record<string, unknown>, field: string, path: string): string {
  const v = obj[field];
  if (typeof v !== "string" || v === "") throw specInvalid(`${path}.${field}`, "is required and must be a non-empty string");
  return v;
}

export function specOptString(obj: Record<string, unknown>, field: string, path: string): string | undefined {
  const v = obj[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw specInvalid(`${path}.${field}`, "must be a string");
  return v;
}

export function specObject(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw specInvalid(path, "must be an object");
  return v as Record<string, unknown>;
}

export function specOptObject(obj: Record<string, unknown>, field: string, path: string): Record<string, unknown> | undefined {
  const v = obj[field];
  if (v === undefined || v === null) return undefined;
  return specObject(v, `${path}.${field}`);
}

/** A `ServiceAccountSelector` field (`{name, namespace?, audiences?}`); a null field or list is absent. */
export function specServiceAccountRef(obj: Record<string, unknown>, field: string, path: string): ServiceAccountRef | undefined {
  const o = specOptObject(obj, field, path);
  if (o === undefined) return undefined;
  const p = `${path}.${field}`;
  const ns = specOptString(o, "namespace", p);
  const aud = o.audiences;
  if (aud !== undefined && aud !== null && (!Array.isArray(aud) || !aud.every((a) => typeof a === "string"))) throw specInvalid(`${p}.audiences`, "must be a list of strings");
  return { name: specString(o, "name", p), ...(ns === undefined ? {} : { namespace: ns }), ...(Array.isArray(aud) ? { audiences: aud } : {}) };
}

/** A `SecretKeySelector` field (`{name, key, namespace?}`). */
export function specKeyRef(obj: Record<string, unknown>, field: string, path: string): { name: string; key: string; namespace?: string } | undefined {
  const ref = specOptObject(obj, field, path);
  if (ref === undefined) return undefined;
  const p = `${path}.${field}`;
  const ns = specOptString(ref, "namespace", p);
  return { name: specString(ref, "name", p), key: specString(ref, "key", p), ...(ns === undefined ? {} : { namespace: ns }) };
}
