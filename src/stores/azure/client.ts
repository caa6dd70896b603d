/**
 * The Azure Key Vault SecretsClient: object-type prefixes on the key, versions, JSON properties,
 * tags as metadata, find by name and tags. ESO's azurekv semantics, over {@link AzureSecretsPort}.
 */
import {
  SecretNotFoundError,
  StoreErrorCode,
  storeError,
  type FindSpec,
  type RemoteRef,
  type SecretsClient,
  type ValidationResult,
} from "../contract.ts";
import { isKsealError, type KsealError } from "../../errors.ts";
import { errorForStatus, jsonValueBytes, nameMatcher, objectToMap, pickProperty, tagsMatch, tryParseJson, utf8 } from "../support.ts";
import type { AzureSecret, AzureSecretsPort } from "./port.ts";

const IDENTITY_ERRORS = new Set(["AuthenticationError", "AggregateAuthenticationError", "CredentialUnavailableError", "AuthenticationRequiredError"]);
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE", "REQUEST_SEND_ERROR"]);
const TLS_CODE = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|ERR_TLS_)/;

/**
 * Maps an SDK error to the contract's codes by its class name, HTTP status and error code — never
 * by its message (which may carry request ids or echo data).
 */
export function mapAzureError(e: unknown, store: string, op: string, key?: string): KsealError {
  if (isKsealError(e)) return e;
  const o = (typeof e === "object" && e !== null ? e : {}) as { name?: unknown; statusCode?: unknown; code?: unknown };
  const name = typeof o.name === "string" ? o.name : "";
  const status = typeof o.statusCode === "number" ? o.statusCode : undefined;
  const code = typeof o.code === "string" ? o.code : "";
  const where = key === undefined ? `store "${store}"` : `secret "${key}" of store "${store}"`;
  const details: Record<string, string | number> = { store, op, provider: "azurekv", ...(name === "" ? {} : { error: name }), ...(code === "" ? {} : { errorCode: code }) };
  if (key !== undefined) details.key = key;
  if (IDENTITY_ERRORS.has(name)) {
    // Microsoft Entra ID itself failing is an outage, not bad credentials.
    if (status !== undefined && status >= 500) return storeError(StoreErrorCode.Unavailable, `azurekv: identity provider unavailable (HTTP ${String(status)}) for ${where} (${op})`, { cause: e, details });
    return storeError(StoreErrorCode.AuthFailed, `azurekv: authentication failed (${name}) for ${where} (${op})`, { cause: e, details });
  }
  if (status !== undefined) return errorForStatus(status, { store, op, provider: "azurekv", ...(key === undefined ? {} : { key }) }, e);
  if (TLS_CODE.test(code)) return storeError(StoreErrorCode.Unavailable, `azurekv: TLS verification of the vault failed (${code}) for ${where} (${op})`, { cause: e, details });
  if (NETWORK_CODES.has(code)) return storeError(StoreErrorCode.Unavailable, `azurekv: vault unreachable (${code}) for ${where} (${op})`, { cause: e, details });
  return storeError(StoreErrorCode.Unavailable, `azurekv: unavailable${name === "" ? "" : ` (${name})`} for ${where} (${op})`, { cause: e, details });
}

export type AzureObjectType = "secret" | "cert" | "key";

/** Azure Key Vault object names: 1–127 letters, digits and dashes. */
const NAME = /^[0-9A-Za-z-]{1,127}$/;
/** Version ids are 32 hex characters on Azure; anything URL-safe and alphanumeric is passed on. */
const VERSION = /^[0-9A-Za-z]{1,64}$/;

/**
 * ESO's reading of `remoteRef.key`: `secret/<name>`, `cert/<name>`, `key/<name>` or a bare secret
 * name (segments after the second are ignored, as ESO does). Throws BAD_REQUEST on an unknown
 * object type or a name Key Vault cannot hold; STORE_INVALID_CONFIG for `cert/` and `key/`, which
 * need SDKs kseal does not ship.
 */
export function parseRemoteKey(store: string, key: string): { type: AzureObjectType; name: string } {
  const parts = key.split("/");
  const type = parts.length > 1 ? (parts[0] ?? "") : "secret";
  const name = parts.length > 1 ? (parts[1] ?? "") : key;
  const details = { store, key };
  if (type === "cert" || type === "key") {
    const sdk = type === "cert" ? "@azure/keyvault-certificates" : "@azure/keyvault-keys";
    throw storeError(StoreErrorCode.InvalidConfig, `azurekv: key "${key}" of store "${store}" asks for a Key Vault ${type === "cert" ? "certificate" : "key"}, which needs ${sdk} (not shipped with kseal); only secrets (secret/<name> or <name>) are supported`, {
      details: { ...details, objectType: type, requires: sdk },
    });
  }
  if (type !== "secret") throw storeError(StoreErrorCode.BadRequest, `azurekv: key "${key}" of store "${store}" has an unknown object type "${type}" (expected secret/, cert/ or key/)`, { details });
  if (!NAME.test(name)) {
    throw storeError(StoreErrorCode.BadRequest, `azurekv: "${name}" (key "${key}" of store "${store}") is not a valid Key Vault secret name (1-127 letters, digits, dashes)`, { details });
  }
  return { type, name };
}

/** `remoteRef.version` → the Key Vault version id (undefined = latest). Throws BAD_REQUEST on a malformed id. */
export function versionOf(store: string, key: string, version: string | undefined): string | undefined {
  if (version === undefined || version === "") return undefined;
  if (!VERSION.test(version)) throw storeError(StoreErrorCode.BadRequest, `azurekv: version of key "${key}" of store "${store}" is not a Key Vault version id`, { details: { store, key } });
  return version;
}

/**
 * ESO's `metadataPolicy: Fetch` read of one secret: no property → all tags as JSON; a tag name →
 * that tag; `<tag>.<path>` → a gjson path into a JSON tag value. Throws SECRET_PROPERTY_NOT_FOUND.
 */
export function tagValue(store: string, key: string, tags: Readonly<Record<string, string>>, property: string | undefined): Uint8Array {
  if (property === undefined || property === "") return utf8(JSON.stringify(tags));
  if (Object.hasOwn(tags, property)) return utf8(tags[property] ?? "");
  const dot = property.indexOf(".");
  const tag = dot > 0 ? property.slice(0, dot) : "";
  const tv = tag === "" || !Object.hasOwn(tags, tag) ? undefined : tags[tag];
  const parsed = tv === undefined ? undefined : tryParseJson(tv);
  if (parsed === undefined) {
    throw storeError(StoreErrorCode.NoSuchProperty, `tag "${property}" not found on secret "${key}" of store "${store}"`, { details: { store, key, property } });
  }
  return jsonValueBytes(pickProperty(store, key, parsed, property.slice(dot + 1)));
}

/**
 * ESO's `dataFrom.extract` with `metadataPolicy: Fetch`: every tag as `<name>_<tag>`, a tag holding a
 * JSON object expanded to `<name>_<tag>_<field>`; with a property, only `<name>_<property>`.
 */
export function tagMap(store: string, key: string, name: string, tags: Readonly<Record<string, string>>, property: string | undefined): Record<string, Uint8Array> {
  const flat: Record<string, string> = {};
  for (const [t, v] of Object.entries(tags)) {
    const parsed = tryParseJson(v);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
      for (const [k, inner] of Object.entries(parsed as Record<string, unknown>)) flat[`${name}_${t}_${k}`] = typeof inner === "string" ? inner : JSON.stringify(inner);
    } else {
      flat[`${name}_${t}`] = v;
    }
  }
  if (property === undefined || property === "") return Object.fromEntries(Object.entries(flat).map(([k, v]) => [k, utf8(v)]));
  const wanted = `${name}_${property}`;
  const v = flat[wanted];
  if (v === undefined) throw storeError(StoreErrorCode.NoSuchProperty, `tag "${property}" not found on secret "${key}" of store "${store}"`, { details: { store, key, property } });
  return { [wanted]: utf8(v) };
}

/** The name the store validation probes: absent on purpose; a 404 proves reachability, credentials and `get` permission. */
export const VALIDATION_PROBE = "kseal-validation-probe";

export class AzureKeyVaultClient implements SecretsClient {
  readonly #port: AzureSecretsPort;
  readonly #store: string;

  constructor(port: AzureSecretsPort, storeName: string) {
    this.#port = port;
    this.#store = storeName;
  }

  async #fetch(ref: RemoteRef): Promise<AzureSecret> {
    const { name } = parseRemoteKey(this.#store, ref.key);
    const version = versionOf(this.#store, ref.key, ref.version);
    try {
      return await this.#port.getSecret(name, version);
    } catch (e: unknown) {
      throw mapAzureError(e, this.#store, "GetSecret", ref.key);
    }
  }

  #json(ref: RemoteRef, s: AzureSecret): unknown {
    const v = tryParseJson(s.value ?? "");
    if (v === undefined) throw storeError(StoreErrorCode.BadRequest, `secret "${ref.key}" of store "${this.#store}" is not JSON`, { details: { store: this.#store, key: ref.key } });
    return v;
  }

  async getSecret(ref: RemoteRef): Promise<Uint8Array> {
    const s = await this.#fetch(ref);
    if (ref.metadataPolicy === "Fetch") return tagValue(this.#store, ref.key, s.tags, ref.property);
    if (ref.property === undefined || ref.property === "") return utf8(s.value ?? "");
    return jsonValueBytes(pickProperty(this.#store, ref.key, this.#json(ref, s), ref.property));
  }

  async getSecretMap(ref: RemoteRef): Promise<Record<string, Uint8Array>> {
    const s = await this.#fetch(ref);
    if (ref.metadataPolicy === "Fetch") return tagMap(this.#store, ref.key, s.name, s.tags, ref.property);
    const data = this.#json(ref, s);
    return objectToMap(this.#store, ref.key, ref.property === undefined || ref.property === "" ? data : pickProperty(this.#store, ref.key, data, ref.property));
  }

  /**
   * Enabled secrets whose name matches `find.name.regexp` (and starts with `find.path`, when set)
   * and that carry every `find.tags` pair; keys are the Key Vault secret names (already valid
   * Kubernetes Secret keys: letters, digits, dashes). A secret deleted between list and read is left out.
   */
  async findSecrets(find: FindSpec): Promise<Record<string, Uint8Array>> {
    const match = nameMatcher(this.#store, find);
    let all;
    try {
      all = await this.#port.listSecretProperties();
    } catch (e: unknown) {
      throw mapAzureError(e, this.#store, "ListSecretProperties");
    }
    const names = all
      .filter((p) => p.enabled !== false)
      .filter((p) => find.path === undefined || find.path === "" || p.name.startsWith(find.path))
      .filter((p) => match(p.name) && tagsMatch(find.tags, p.tags))
      .map((p) => p.name)
      .sort();
    const out: Record<string, Uint8Array> = {};
    for (const name of names) {
      try {
        out[name] = utf8((await this.#fetch({ key: name })).value ?? "");
      } catch (e: unknown) {
        if (e instanceof SecretNotFoundError) continue;
        throw e;
      }
    }
    return out;
  }

  async validate(): Promise<ValidationResult> {
    try {
      await this.#port.getSecret(VALIDATION_PROBE, undefined);
    } catch (e: unknown) {
      const mapped = mapAzureError(e, this.#store, "GetSecret", VALIDATION_PROBE);
      if (!(mapped instanceof SecretNotFoundError)) return { ready: false, reason: "ValidationFailed", message: mapped.message };
    }
    return { ready: true, reason: "Valid", message: "store validated" };
  }

  async close(): Promise<void> {
    await this.#port.close();
  }
}
