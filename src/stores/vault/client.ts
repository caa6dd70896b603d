/** The Vault/OpenBao KV SecretsClient: path building, reads, find, error mapping. */
import {
  SecretNotFoundError,
  StoreErrorCode,
  storeError,
  type FindSpec,
  type RemoteRef,
  type SecretsClient,
  type StoreContext,
  type ValidationResult,
} from "../contract.ts";
import { isKsealError } from "../../errors.ts";
import { errorForStatus, jsonValueBytes, nameMatcher, objectToMap, pickProperty, tagsMatch, utf8 } from "../support.ts";
import type { VaultTokenCache } from "./auth.ts";
import type { VaultPort, VaultRequest, VaultResponse } from "./port.ts";
import type { VaultSpec } from "./spec.ts";

/** Mount and key of a remote key, ESO style: the mount is `spec.path` or the key's first segment. */
export function splitKey(spec: Pick<VaultSpec, "path">, key: string): { mount: string; rest: string } {
  const k = key.replace(/^\/+/, "");
  if (spec.path !== undefined) {
    const rest = k.startsWith(`${spec.path}/`) ? k.slice(spec.path.length + 1) : k;
    return { mount: spec.path, rest };
  }
  const i = k.indexOf("/");
  return i < 0 ? { mount: k, rest: "" } : { mount: k.slice(0, i), rest: k.slice(i + 1) };
}

/** The API path of a KV read: v2 inserts `data/` or `metadata/` after the mount. */
export function kvPath(spec: Pick<VaultSpec, "path" | "version">, key: string, kind: "data" | "metadata", version?: string): string {
  const { mount, rest } = splitKey(spec, key);
  const enc = rest.split("/").map(encodeURIComponent).join("/");
  if (spec.version === "v1") return `${mount}/${enc}`;
  const q = version !== undefined && version !== "" && kind === "data" ? `?version=${encodeURIComponent(version)}` : "";
  return `${mount}/${kind}/${enc}${q}`;
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

export class VaultClient implements SecretsClient {
  readonly #spec: VaultSpec;
  readonly #port: VaultPort;
  readonly #tokens: VaultTokenCache;
  readonly #cacheKey: string;
  readonly #ctx: StoreContext;

  constructor(spec: VaultSpec, port: VaultPort, tokens: VaultTokenCache, cacheKey: string, ctx: StoreContext) {
    this.#spec = spec;
    this.#port = port;
    this.#tokens = tokens;
    this.#cacheKey = cacheKey;
    this.#ctx = ctx;
  }

  get #store(): string {
    return this.#ctx.storeName;
  }

  /**
   * One authenticated call; a 403 is told apart as auth failure vs permission denied via lookup-self.
   * A cached login token Vault no longer knows (restarted, revoked) is replaced by one fresh login
   * and the call retried once, so a store that comes back needs no intervention.
   */
  async #call(req: Omit<VaultRequest, "token">, key: string | undefined, op: string, retried = false): Promise<VaultResponse> {
    const token = await this.#tokens.token(this.#cacheKey, this.#spec.auth, this.#port, this.#ctx);
    let res: VaultResponse;
    try {
      res = await this.#port.request({ ...req, token });
    } catch (e: unknown) {
      throw storeError(StoreErrorCode.Unavailable, `vault: unreachable for store "${this.#store}" (${op})`, {
        cause: e,
        details: { store: this.#store, op },
      });
    }
    if (res.status === 403) {
      const self = await this.#port.request({ method: "GET", path: "auth/token/lookup-self", token }).catch(() => undefined);
      if (self?.status === 403 || self?.status === 401) {
        this.#tokens.invalidate(this.#cacheKey, token);
        if (!retried && this.#spec.auth.method !== "token") return this.#call(req, key, op, true);
        throw storeError(StoreErrorCode.AuthFailed, `vault: the token of store "${this.#store}" is invalid or expired (${op})`, {
          details: { store: this.#store, op },
        });
      }
    }
    if (res.status >= 200 && res.status < 300) return res;
    throw errorForStatus(res.status, { store: this.#store, op, provider: "vault", ...(key === undefined ? {} : { key }) });
  }

  /** The secret's key/value data (v2: `data.data`; v1: `data`). */
  async #readData(key: string, version?: string): Promise<Record<string, unknown>> {
    const res = await this.#call({ method: "GET", path: kvPath(this.#spec, key, "data", version) }, key, "read");
    const data = asRecord(asRecord(res.body)?.data);
    const payload = this.#spec.version === "v2" ? asRecord(data?.data) : data;
    // A deleted (soft) KV v2 version answers 404 with metadata but `data: null`.
    if (payload === undefined) throw new SecretNotFoundError(this.#store, key);
    return payload;
  }

  async #readCustomMetadata(key: string): Promise<Record<string, string>> {
    if (this.#spec.version !== "v2") {
      throw storeError(StoreErrorCode.BadRequest, `vault: metadata needs a KV v2 store ("${this.#store}")`, { details: { store: this.#store } });
    }
    const res = await this.#call({ method: "GET", path: kvPath(this.#spec, key, "metadata") }, key, "read-metadata");
    const cm = asRecord(asRecord(asRecord(res.body)?.data)?.custom_metadata) ?? {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(cm)) if (typeof v === "string") out[k] = v;
    return out;
  }

  async #value(ref: RemoteRef): Promise<unknown> {
    return ref.metadataPolicy === "Fetch" ? this.#readCustomMetadata(ref.key) : this.#readData(ref.key, ref.version);
  }

  async getSecret(ref: RemoteRef): Promise<Uint8Array> {
    const data = await this.#value(ref);
    if (ref.property === undefined || ref.property === "") return jsonValueBytes(data);
    return jsonValueBytes(pickProperty(this.#store, ref.key, data, ref.property));
  }

  async getSecretMap(ref: RemoteRef): Promise<Record<string, Uint8Array>> {
    const data = await this.#value(ref);
    const v = ref.property === undefined || ref.property === "" ? data : pickProperty(this.#store, ref.key, data, ref.property);
    return objectToMap(this.#store, ref.key, v);
  }

  /** Every secret key under `prefix` (relative to the mount), depth-first. */
  async #listAll(mount: string, prefix: string): Promise<string[]> {
    const path = this.#spec.version === "v2" ? `${mount}/metadata/${prefix}` : `${mount}/${prefix}`;
    let res: VaultResponse;
    try {
      res = await this.#call({ method: "LIST", path }, undefined, "list");
    } catch (e: unknown) {
      if (isKsealError(e, StoreErrorCode.BadRequest) && e.details.status === 404) return [];
      throw e;
    }
    const keys = asRecord(asRecord(res.body)?.data)?.keys;
    if (!Array.isArray(keys)) return [];
    const out: string[] = [];
    for (const k of keys) {
      if (typeof k !== "string") continue;
      if (k.endsWith("/")) out.push(...(await this.#listAll(mount, `${prefix}${k}`)));
      else out.push(`${prefix}${k}`);
    }
    return out;
  }

  async findSecrets(find: FindSpec): Promise<Record<string, Uint8Array>> {
    if (this.#spec.version !== "v2") {
      throw storeError(StoreErrorCode.BadRequest, `vault: find needs a KV v2 store ("${this.#store}")`, { details: { store: this.#store } });
    }
    const matchName = nameMatcher(this.#store, find);
    const under = find.path === undefined || find.path === "" ? "" : `${find.path.replace(/^\/+|\/+$/g, "")}/`;
    const { mount, rest } = this.#spec.path === undefined ? splitKey({}, under) : { mount: this.#spec.path, rest: under };
    const all = await this.#listAll(mount, rest);
    const out: Record<string, Uint8Array> = {};
    for (const rel of all) {
      if (!matchName(rel)) continue;
      const fullKey = this.#spec.path === undefined ? `${mount}/${rel}` : rel;
      if (find.tags !== undefined && !tagsMatch(find.tags, await this.#readCustomMetadata(fullKey))) continue;
      try {
        out[rel] = utf8(JSON.stringify(await this.#readData(fullKey)));
      } catch (e: unknown) {
        // Listed but deleted meanwhile (or only soft-deleted versions): not part of the result.
        if (e instanceof SecretNotFoundError) continue;
        throw e;
      }
    }
    return out;
  }

  async validate(): Promise<ValidationResult> {
    try {
      await this.#call({ method: "GET", path: "auth/token/lookup-self" }, undefined, "validate");
      return { ready: true, reason: "Valid", message: "store validated" };
    } catch (e: unknown) {
      const msg = isKsealError(e) ? e.message : "vault: validation failed";
      return { ready: false, reason: "ValidationFailed", message: msg };
    }
  }

  async close(): Promise<void> {
    // Tokens stay in the provider's cache on purpose: the next client of this store reuses them.
  }
}
