/**
 * ESO's `kubernetes` provider: reads Secrets of `remoteNamespace` on a (possibly other) API server.
 *
 * ```yaml
 * spec.provider.kubernetes:
 *   remoteNamespace: source          # default "default"
 *   server: {url: https://host:6443, caBundle: <base64 PEM>, caProvider: {type: Secret|ConfigMap, name, key, namespace}}
 *   auth:                            # exactly one
 *     token: {bearerToken: {name, key}}
 *     serviceAccount: {name, audiences}           # a TokenRequest token
 *     cert: {clientCert: {name, key}, clientKey: {name, key}}
 *   authRef: {name, key}             # or: a whole kubeconfig in a Secret key
 * ```
 * `remoteRef.key` is the Secret's name; `property` one of its keys (exact, else a gjson path into the
 * JSON form of its data); without property the whole data as a JSON object. `metadataPolicy: Fetch`
 * reads labels/annotations instead. `find` lists by label (`tags`) and name regexp.
 */
import { CoreV1Api, KubeConfig, type V1Secret } from "@kubernetes/client-node";
import { SecretNotFoundError, StoreErrorCode, storeError, type FindSpec, type Provider, type RemoteRef, type SecretsClient, type StoreContext, type ValidationResult } from "../contract.ts";
import { errorForStatus, fromUtf8, jsonValueBytes, nameMatcher, pickProperty, readCaProvider, specKeyRef, specObject, specOptObject, specOptString, utf8, type CaProviderRef } from "../support.ts";
import { KsealError } from "../../errors.ts";

const PROVIDER = "kubernetes";

interface KeyRef {
  readonly name: string;
  readonly key: string;
  readonly namespace?: string;
}

type Auth =
  | { readonly kind: "token"; readonly bearerToken: KeyRef }
  | { readonly kind: "cert"; readonly clientCert: KeyRef; readonly clientKey: KeyRef }
  | { readonly kind: "serviceAccount"; readonly name: string; readonly namespace?: string; readonly audiences: readonly string[] }
  | { readonly kind: "authRef"; readonly ref: KeyRef };

interface KubernetesSpec {
  readonly remoteNamespace: string;
  readonly url: string;
  readonly caBundle?: string;
  readonly caProvider?: CaProviderRef;
  readonly auth: Auth;
}

const P = "spec.provider.kubernetes";

function invalid(message: string, field: string): KsealError {
  return storeError(StoreErrorCode.InvalidConfig, message, { details: { field } });
}

function parseSpec(raw: unknown): KubernetesSpec {
  const o = specObject(raw, P);
  const server = specOptObject(o, "server", P) ?? {};
  let url = specOptString(server, "url", `${P}.server`) ?? "kubernetes.default";
  if (!/^https?:\/\//.test(url)) url = `https://${url}`;
  const caBundle = specOptString(server, "caBundle", `${P}.server`);
  const caProvider = specOptObject(server, "caProvider", `${P}.server`);
  let ca: KubernetesSpec["caProvider"];
  if (caProvider !== undefined) {
    const type = caProvider.type;
    if (type !== "Secret" && type !== "ConfigMap") throw invalid(`${P}.server.caProvider.type must be "Secret" or "ConfigMap"`, `${P}.server.caProvider.type`);
    const name = specOptString(caProvider, "name", `${P}.server.caProvider`);
    const key = specOptString(caProvider, "key", `${P}.server.caProvider`);
    if (name === undefined || key === undefined) throw invalid(`${P}.server.caProvider needs name and key`, `${P}.server.caProvider`);
    const ns = specOptString(caProvider, "namespace", `${P}.server.caProvider`);
    ca = { type, name, key, ...(ns === undefined ? {} : { namespace: ns }) };
  }
  const authObj = specOptObject(o, "auth", P);
  const authRef = specKeyRef(o, "authRef", P);
  let auth: Auth | undefined;
  if (authObj !== undefined) {
    const set = Object.keys(authObj).filter((k) => authObj[k] !== undefined && authObj[k] !== null);
    if (set.length !== 1) throw invalid(`${P}.auth must set exactly one of cert, token or serviceAccount`, `${P}.auth`);
    const token = specOptObject(authObj, "token", `${P}.auth`);
    const cert = specOptObject(authObj, "cert", `${P}.auth`);
    const sa = specOptObject(authObj, "serviceAccount", `${P}.auth`);
    if (token !== undefined) {
      const bearerToken = specKeyRef(token, "bearerToken", `${P}.auth.token`);
      if (bearerToken === undefined) throw invalid(`${P}.auth.token.bearerToken is required`, `${P}.auth.token.bearerToken`);
      auth = { kind: "token", bearerToken };
    } else if (cert !== undefined) {
      const clientCert = specKeyRef(cert, "clientCert", `${P}.auth.cert`);
      const clientKey = specKeyRef(cert, "clientKey", `${P}.auth.cert`);
      if (clientCert === undefined || clientKey === undefined) throw invalid(`${P}.auth.cert needs clientCert and clientKey`, `${P}.auth.cert`);
      auth = { kind: "cert", clientCert, clientKey };
    } else if (sa !== undefined) {
      const name = specOptString(sa, "name", `${P}.auth.serviceAccount`);
      if (name === undefined) throw invalid(`${P}.auth.serviceAccount.name is required`, `${P}.auth.serviceAccount.name`);
      const ns = specOptString(sa, "namespace", `${P}.auth.serviceAccount`);
      const audiences = Array.isArray(sa.audiences) ? sa.audiences.filter((a): a is string => typeof a === "string") : [];
      auth = { kind: "serviceAccount", name, audiences, ...(ns === undefined ? {} : { namespace: ns }) };
    } else {
      throw invalid(`${P}.auth must set exactly one of cert, token or serviceAccount`, `${P}.auth`);
    }
  } else if (authRef !== undefined) {
    auth = { kind: "authRef", ref: authRef };
  }
  if (auth === undefined) throw invalid(`${P} needs auth or authRef`, `${P}.auth`);
  return {
    remoteNamespace: specOptString(o, "remoteNamespace", P) ?? "default",
    url,
    ...(caBundle === undefined ? {} : { caBundle }),
    ...(ca === undefined ? {} : { caProvider: ca }),
    auth,
  };
}

async function kubeConfigFor(spec: KubernetesSpec, ctx: StoreContext): Promise<KubeConfig> {
  const kc = new KubeConfig();
  const text = async (ref: KeyRef): Promise<string> => fromUtf8(await ctx.readSecretKey(ref));
  if (spec.auth.kind === "authRef") {
    try {
      kc.loadFromString(await text(spec.auth.ref));
    } catch (e: unknown) {
      if (e instanceof KsealError) throw e;
      throw storeError(StoreErrorCode.InvalidConfig, `${P}.authRef does not hold a valid kubeconfig`, { cause: e, details: { field: `${P}.authRef` } });
    }
    return kc;
  }
  const caData = spec.caBundle ?? (spec.caProvider === undefined ? undefined : Buffer.from(await readCaProvider(ctx, spec.caProvider)).toString("base64"));
  const user: { name: string; token?: string; certData?: string; keyData?: string } = { name: "kseal" };
  if (spec.auth.kind === "token") user.token = (await text(spec.auth.bearerToken)).trim();
  else if (spec.auth.kind === "cert") {
    user.certData = Buffer.from(await ctx.readSecretKey(spec.auth.clientCert)).toString("base64");
    user.keyData = Buffer.from(await ctx.readSecretKey(spec.auth.clientKey)).toString("base64");
  } else {
    user.token = await ctx.createServiceAccountToken({
      name: spec.auth.name,
      ...(spec.auth.namespace === undefined ? {} : { namespace: spec.auth.namespace }),
      ...(spec.auth.audiences.length === 0 ? {} : { audiences: spec.auth.audiences }),
    });
  }
  kc.loadFromClusterAndUser({ name: "remote", server: spec.url, skipTLSVerify: false, ...(caData === undefined ? {} : { caData }) }, user);
  return kc;
}

function decodeData(s: V1Secret): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(s.data ?? {})) out[k] = new Uint8Array(Buffer.from(v, "base64"));
  return out;
}

function asJsonObject(data: Record<string, Uint8Array>): Record<string, string> {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, fromUtf8(v)]));
}

class KubernetesClient implements SecretsClient {
  readonly #store: string;
  readonly #ns: string;
  readonly #core: CoreV1Api;

  constructor(store: string, ns: string, core: CoreV1Api) {
    this.#store = store;
    this.#ns = ns;
    this.#core = core;
  }

  #fail(e: unknown, op: string, key?: string): KsealError {
    if (e instanceof KsealError) return e;
    const status = typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "number" ? (e as { code: number }).code : 0;
    const ctx = { store: this.#store, op, provider: PROVIDER, ...(key === undefined ? {} : { key }) };
    return errorForStatus(status === 0 ? 503 : status, ctx, e);
  }

  async #read(key: string): Promise<V1Secret> {
    try {
      return await this.#core.readNamespacedSecret({ name: key, namespace: this.#ns });
    } catch (e: unknown) {
      const err = this.#fail(e, "get", key);
      throw err instanceof SecretNotFoundError ? new SecretNotFoundError(this.#store, key, { cause: e }) : err;
    }
  }

  async getSecret(ref: RemoteRef): Promise<Uint8Array> {
    const s = await this.#read(ref.key);
    if (ref.metadataPolicy === "Fetch") {
      const md = { labels: s.metadata?.labels ?? {}, annotations: s.metadata?.annotations ?? {} };
      return ref.property === undefined || ref.property === "" ? utf8(JSON.stringify(md)) : jsonValueBytes(pickProperty(this.#store, ref.key, md, ref.property));
    }
    const data = decodeData(s);
    if (ref.property === undefined || ref.property === "") return utf8(JSON.stringify(asJsonObject(data)));
    const exact = data[ref.property];
    if (exact !== undefined) return exact;
    return jsonValueBytes(pickProperty(this.#store, ref.key, asJsonObject(data), ref.property));
  }

  async getSecretMap(ref: RemoteRef): Promise<Record<string, Uint8Array>> {
    const s = await this.#read(ref.key);
    if (ref.metadataPolicy === "Fetch") {
      const md = { ...(s.metadata?.labels ?? {}), ...(s.metadata?.annotations ?? {}) };
      return Object.fromEntries(Object.entries(md).map(([k, v]) => [k, utf8(v)]));
    }
    return decodeData(s);
  }

  async findSecrets(find: FindSpec): Promise<Record<string, Uint8Array>> {
    const match = nameMatcher(this.#store, find);
    const labelSelector = Object.entries(find.tags ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    let list;
    try {
      list = await this.#core.listNamespacedSecret({ namespace: this.#ns, ...(labelSelector === "" ? {} : { labelSelector }) });
    } catch (e: unknown) {
      throw this.#fail(e, "list");
    }
    const out: Record<string, Uint8Array> = {};
    for (const s of list.items) {
      const name = s.metadata?.name ?? "";
      if (name === "" || !match(name)) continue;
      out[name] = utf8(JSON.stringify(asJsonObject(decodeData(s))));
    }
    return out;
  }

  async validate(): Promise<ValidationResult> {
    try {
      await this.#core.listNamespacedSecret({ namespace: this.#ns, limit: 1 });
      return { ready: true, reason: "Valid", message: "store validated" };
    } catch (e: unknown) {
      return { ready: false, reason: "ValidationFailed", message: this.#fail(e, "list").message };
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** `spec.provider.kubernetes`. */
export const provider: Provider = {
  key: PROVIDER,
  validateSpec(providerSpec: unknown): void {
    parseSpec(providerSpec);
  },
  async newClient(ctx: StoreContext): Promise<SecretsClient> {
    const spec = parseSpec(ctx.providerSpec);
    const kc = await kubeConfigFor(spec, ctx);
    return new KubernetesClient(ctx.storeName, spec.remoteNamespace, kc.makeApiClient(CoreV1Api));
  },
};
