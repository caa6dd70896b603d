/**
 * ESO's `fake` provider: the store spec itself holds the secrets, for demos and tests.
 *
 * ```yaml
 * spec.provider.fake:
 *   data:
 *   - {key: /foo/bar, value: HELLO1, version: v1}
 *   - {key: /foo/baz, value: '{"john": "doe"}'}
 *   - {key: /foo/map, valueMap: {a: "1"}}
 *   validationResult: 0   # 0 Ready, 1 Unknown, 2 Error (ESO's ValidationResult)
 * ```
 * A `remoteRef.version` picks that version; without one the last entry for the key wins.
 */
import { SecretNotFoundError, StoreErrorCode, storeError, type FindSpec, type Provider, type RemoteRef, type SecretsClient, type StoreContext, type ValidationResult } from "../contract.ts";
import { jsonValueBytes, nameMatcher, objectToMap, pickProperty, specObject, tryParseJson, utf8 } from "../support.ts";

interface FakeEntry {
  readonly key: string;
  readonly value?: string;
  readonly version?: string;
  readonly valueMap?: Readonly<Record<string, string>>;
}

interface FakeSpec {
  readonly data: readonly FakeEntry[];
  readonly validationResult: number;
}

function parseSpec(spec: unknown): FakeSpec {
  const o = specObject(spec, "spec.provider.fake");
  const data = o.data ?? [];
  if (!Array.isArray(data)) throw storeError(StoreErrorCode.InvalidConfig, "spec.provider.fake.data must be a list", { details: { field: "spec.provider.fake.data" } });
  const entries = (data as unknown[]).map((raw, i): FakeEntry => {
    const path = `spec.provider.fake.data[${i}]`;
    const e = specObject(raw, path);
    if (typeof e.key !== "string" || e.key === "") throw storeError(StoreErrorCode.InvalidConfig, `${path}.key is required`, { details: { field: `${path}.key` } });
    const str = (f: string): string | undefined => {
      const v = e[f];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== "string") throw storeError(StoreErrorCode.InvalidConfig, `${path}.${f} must be a string`, { details: { field: `${path}.${f}` } });
      return v;
    };
    const vm = e.valueMap === undefined || e.valueMap === null ? undefined : specObject(e.valueMap, `${path}.valueMap`);
    const valueMap: Record<string, string> = {};
    for (const [k, v] of Object.entries(vm ?? {})) valueMap[k] = typeof v === "string" ? v : JSON.stringify(v);
    const value = str("value");
    const version = str("version");
    return { key: e.key, ...(value === undefined ? {} : { value }), ...(version === undefined ? {} : { version }), ...(vm === undefined ? {} : { valueMap }) };
  });
  const vr = o.validationResult;
  return { data: entries, validationResult: typeof vr === "number" ? vr : 0 };
}

class FakeClient implements SecretsClient {
  readonly #store: string;
  readonly #spec: FakeSpec;

  constructor(store: string, spec: FakeSpec) {
    this.#store = store;
    this.#spec = spec;
  }

  #entry(ref: RemoteRef): FakeEntry {
    const matches = this.#spec.data.filter((e) => e.key === ref.key && (ref.version === undefined || e.version === ref.version));
    const e = matches.at(-1);
    if (e === undefined) throw new SecretNotFoundError(this.#store, ref.key);
    return e;
  }

  #text(e: FakeEntry): string {
    return e.value ?? JSON.stringify(e.valueMap ?? {});
  }

  async getSecret(ref: RemoteRef): Promise<Uint8Array> {
    await Promise.resolve();
    const e = this.#entry(ref);
    if (ref.property === undefined || ref.property === "") return utf8(this.#text(e));
    const root = e.valueMap ?? tryParseJson(this.#text(e));
    return jsonValueBytes(pickProperty(this.#store, ref.key, root, ref.property));
  }

  async getSecretMap(ref: RemoteRef): Promise<Record<string, Uint8Array>> {
    await Promise.resolve();
    const e = this.#entry(ref);
    if (e.valueMap !== undefined && ref.property === undefined) {
      return Object.fromEntries(Object.entries(e.valueMap).map(([k, v]) => [k, utf8(v)]));
    }
    let root: unknown = e.valueMap ?? tryParseJson(this.#text(e));
    if (ref.property !== undefined && ref.property !== "") {
      root = pickProperty(this.#store, ref.key, root, ref.property);
      if (typeof root === "string") root = tryParseJson(root);
    }
    return objectToMap(this.#store, ref.key, root);
  }

  async findSecrets(find: FindSpec): Promise<Record<string, Uint8Array>> {
    await Promise.resolve();
    if (find.tags !== undefined && Object.keys(find.tags).length > 0) {
      throw storeError(StoreErrorCode.BadRequest, `fake store "${this.#store}" cannot find by tags`, { details: { store: this.#store } });
    }
    const match = nameMatcher(this.#store, find);
    const out: Record<string, Uint8Array> = {};
    for (const e of this.#spec.data) {
      if (find.path !== undefined && !e.key.startsWith(find.path)) continue;
      if (match(e.key)) out[e.key] = utf8(this.#text(e));
    }
    return out;
  }

  validate(): Promise<ValidationResult> {
    const r = this.#spec.validationResult;
    if (r === 2) return Promise.resolve({ ready: false, reason: "ValidationFailed", message: "fake store reports a validation error" });
    if (r === 1) return Promise.resolve({ ready: true, reason: "ValidationUnknown", message: "fake store validation is unknown" });
    return Promise.resolve({ ready: true, reason: "Valid", message: "store validated" });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** `spec.provider.fake`. */
export const provider: Provider = {
  key: "fake",
  validateSpec(providerSpec: unknown): void {
    parseSpec(providerSpec);
  },
  newClient(ctx: StoreContext): Promise<SecretsClient> {
    return Promise.resolve(new FakeClient(ctx.storeName, parseSpec(ctx.providerSpec)));
  },
};
