/** The AWS Secrets Manager SecretsClient: versions, JSON properties, tags, find with batch reads. */
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
import { fromUtf8, jsonValueBytes, nameMatcher, objectToMap, pickProperty, tagsMatch, tryParseJson, utf8 } from "../support.ts";
import type { AwsSecretValue, AwsSecretsPort, AwsTag } from "./port.ts";

const AUTH_ERRORS = new Set([
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "ExpiredTokenException",
  "ExpiredToken",
  "IncompleteSignature",
  "MissingAuthenticationToken",
  "CredentialsProviderError",
]);
const THROTTLE_ERRORS = new Set(["ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded", "LimitExceededException"]);

/** Maps an SDK error to the contract's codes by its `name`, never by its message. */
export function mapAwsError(e: unknown, store: string, op: string, key?: string): KsealError {
  if (isKsealError(e)) return e;
  const name = (e as { name?: unknown } | null)?.name;
  const status = (e as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  const n = typeof name === "string" ? name : "";
  const where = key === undefined ? `store "${store}"` : `secret "${key}" of store "${store}"`;
  const details: Record<string, string> = { store, op, error: n };
  if (key !== undefined) details.key = key;
  if (n === "ResourceNotFoundException" && key !== undefined) return new SecretNotFoundError(store, key, { cause: e });
  if (AUTH_ERRORS.has(n)) return storeError(StoreErrorCode.AuthFailed, `aws: authentication failed (${n}) for ${where} (${op})`, { cause: e, details });
  if (n === "AccessDeniedException" || n === "AccessDenied" || status === 403) {
    return storeError(StoreErrorCode.PermissionDenied, `aws: permission denied for ${where} (${op})`, { cause: e, details });
  }
  if (THROTTLE_ERRORS.has(n) || status === 429) return storeError(StoreErrorCode.Throttled, `aws: throttled on ${where} (${op})`, { cause: e, details });
  if (n === "InvalidParameterException" || n === "InvalidRequestException" || n === "ValidationException" || n === "DecryptionFailure") {
    return storeError(StoreErrorCode.BadRequest, `aws: request rejected (${n}) for ${where} (${op})`, { cause: e, details });
  }
  return storeError(StoreErrorCode.Unavailable, `aws: unavailable${n === "" ? "" : ` (${n})`} for ${where} (${op})`, { cause: e, details });
}

/** ESO's version mapping: `uuid/<id>` pins a VersionId, anything else is a stage (default AWSCURRENT). */
export function versionSelector(version: string | undefined): { VersionId?: string; VersionStage?: string } {
  if (version === undefined || version === "") return { VersionStage: "AWSCURRENT" };
  if (version.startsWith("uuid/")) return { VersionId: version.slice("uuid/".length) };
  return { VersionStage: version };
}

function tagMap(tags: readonly AwsTag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? "";
  return out;
}

function payload(v: AwsSecretValue): Uint8Array {
  if (v.SecretString !== undefined) return utf8(v.SecretString);
  if (v.SecretBinary !== undefined) return v.SecretBinary;
  return new Uint8Array();
}

const BATCH = 20;

export class AwsSecretsClient implements SecretsClient {
  readonly #port: AwsSecretsPort;
  readonly #store: string;
  readonly #onAuthFailed: () => void;

  /** `onAuthFailed` runs when the store rejects the credentials (e.g. to drop cached STS credentials). */
  constructor(port: AwsSecretsPort, storeName: string, onAuthFailed: () => void = () => undefined) {
    this.#port = port;
    this.#store = storeName;
    this.#onAuthFailed = onAuthFailed;
  }

  #fail(e: unknown, op: string, key?: string): KsealError {
    const mapped = mapAwsError(e, this.#store, op, key);
    if (mapped.code === StoreErrorCode.AuthFailed) this.#onAuthFailed();
    return mapped;
  }

  async #raw(ref: RemoteRef): Promise<Uint8Array> {
    try {
      if (ref.metadataPolicy === "Fetch") {
        const d = await this.#port.describeSecret({ SecretId: ref.key });
        return utf8(JSON.stringify(tagMap(d.Tags)));
      }
      return payload(await this.#port.getSecretValue({ SecretId: ref.key, ...versionSelector(ref.version) }));
    } catch (e: unknown) {
      throw this.#fail(e, "GetSecretValue", ref.key);
    }
  }

  #parsed(ref: RemoteRef, bytes: Uint8Array): unknown {
    const parsed = tryParseJson(fromUtf8(bytes));
    if (parsed === undefined) {
      throw storeError(StoreErrorCode.BadRequest, `secret "${ref.key}" of store "${this.#store}" is not JSON`, { details: { store: this.#store, key: ref.key } });
    }
    return parsed;
  }

  async getSecret(ref: RemoteRef): Promise<Uint8Array> {
    const bytes = await this.#raw(ref);
    if (ref.property === undefined || ref.property === "") return bytes;
    return jsonValueBytes(pickProperty(this.#store, ref.key, this.#parsed(ref, bytes), ref.property));
  }

  async getSecretMap(ref: RemoteRef): Promise<Record<string, Uint8Array>> {
    const data = this.#parsed(ref, await this.#raw(ref));
    const v = ref.property === undefined || ref.property === "" ? data : pickProperty(this.#store, ref.key, data, ref.property);
    return objectToMap(this.#store, ref.key, v);
  }

  async findSecrets(find: FindSpec): Promise<Record<string, Uint8Array>> {
    const matchName = nameMatcher(this.#store, find);
    const filters: { Key: "name" | "tag-key" | "tag-value"; Values: string[] }[] = [];
    if (find.path !== undefined && find.path !== "") filters.push({ Key: "name", Values: [find.path] });
    // Server-side tag filters narrow the listing; exact key=value pairs are re-checked below.
    for (const [k, v] of Object.entries(find.tags ?? {})) filters.push({ Key: "tag-key", Values: [k] }, { Key: "tag-value", Values: [v] });
    const names: string[] = [];
    let next: string | undefined;
    try {
      do {
        const page = await this.#port.listSecrets({ ...(filters.length > 0 ? { Filters: filters } : {}), ...(next === undefined ? {} : { NextToken: next }) });
        for (const s of page.SecretList ?? []) {
          if (s.Name === undefined) continue;
          if (find.path !== undefined && find.path !== "" && !s.Name.startsWith(find.path)) continue;
          if (!matchName(s.Name) || !tagsMatch(find.tags, tagMap(s.Tags))) continue;
          names.push(s.Name);
        }
        next = page.NextToken;
      } while (next !== undefined && next !== "");
    } catch (e: unknown) {
      throw this.#fail(e, "ListSecrets");
    }
    const out: Record<string, Uint8Array> = {};
    // BatchGetSecretValue: one call per 20 secrets instead of one per secret.
    for (let i = 0; i < names.length; i += BATCH) {
      const chunk = names.slice(i, i + BATCH);
      try {
        const res = await this.#port.batchGetSecretValue({ SecretIdList: chunk });
        for (const v of res.SecretValues ?? []) if (v.Name !== undefined) out[v.Name] = payload(v);
      } catch (e: unknown) {
        throw this.#fail(e, "BatchGetSecretValue");
      }
    }
    return out;
  }

  async validate(): Promise<ValidationResult> {
    try {
      await this.#port.listSecrets({});
      return { ready: true, reason: "Valid", message: "store validated" };
    } catch (e: unknown) {
      return { ready: false, reason: "ValidationFailed", message: this.#fail(e, "ListSecrets").message };
    }
  }

  close(): Promise<void> {
    this.#port.close();
    return Promise.resolve();
  }
}
