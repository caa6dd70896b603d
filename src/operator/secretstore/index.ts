/**
 * Store resolution and store status.
 *
 * - A SecretStore is only ever read from the ExternalSecret's own namespace, and its credential
 *   references only from the store's namespace.
 * - A ClusterSecretStore's `conditions` (namespaces, namespaceRegexes, namespaceSelector; any one
 *   condition matching is enough) decide which namespaces may use it.
 * - `spec.controller` must equal this operator's controller class ("" matches an empty class), as
 *   in ESO; a store for another class is not ours: resolution returns `notMine`.
 * - A store whose Ready condition is False is reported on each ExternalSecret that uses it.
 */
import type { Outcome } from "../../kube/outcome.ts";
import { ok, retry, terminal } from "../../kube/outcome.ts";
import { KsealError, safeMessage } from "../../errors.ts";
import type { GoRegexp } from "../../regex/go.ts";
import { compileGoRegexp } from "../../regex/go.ts";
import { isRecord } from "../../support/record.ts";
import { memoPerObject } from "../../support/memo.ts";
import type { ConfigMapKeyRef, Provider, SecretKeyRef, SecretsClient, ServiceAccountRef, StoreContext } from "../../stores/contract.ts";
import { parseSecretStore } from "../externalsecret/parse.ts";
import type { ClusterSecretStoreCondition, Condition, LabelSelector, SecretStore, StoreKind, StoreRef } from "../externalsecret/types.ts";
import { StoreReason } from "../externalsecret/types.ts";
import { rfc3339 } from "../externalsecret/status.ts";

export const StoreResolveError = {
  NotFound: "STORE_NOT_FOUND",
  NotAllowed: "STORE_NAMESPACE_NOT_ALLOWED",
  NotReady: "STORE_NOT_READY",
  Invalid: "STORE_INVALID",
} as const;

export interface NamespaceInfo {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Reads kseal needs to resolve a store; each returns undefined when the object does not exist. */
export interface StoreReadPort {
  getSecretStore(namespace: string, name: string): Promise<unknown>;
  getClusterSecretStore(name: string): Promise<unknown>;
  getNamespace(name: string): Promise<NamespaceInfo | undefined>;
  /** Raw bytes of `key` in Secret namespace/name; throws KsealError when absent. */
  readSecretKey(namespace: string, name: string, key: string): Promise<Uint8Array>;
  /** Raw bytes of `key` in ConfigMap namespace/name; throws CONFIGMAP_NOT_FOUND / CONFIGMAP_KEY_NOT_FOUND. */
  readConfigMapKey(namespace: string, name: string, key: string): Promise<Uint8Array>;
  /** A TokenRequest token for namespace/serviceAccount. */
  createServiceAccountToken(namespace: string, name: string, audiences: readonly string[]): Promise<string>;
}

export interface ResolveDeps {
  readonly reads: StoreReadPort;
  readonly providers: (key: string) => Promise<Provider>;
  /** This operator's controller class (`--controller-class`); "" = the default. */
  readonly controllerClass: string;
  readonly now: () => number;
}

/** Pure: does a Kubernetes label selector match these labels? An empty selector matches everything. */
export function selectorMatches(sel: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const val = labels[e.key];
    const values = e.values ?? [];
    if (e.operator === "In" && !(has && val !== undefined && values.includes(val))) return false;
    if (e.operator === "NotIn" && has && val !== undefined && values.includes(val)) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

/** Pure: may namespace `ns` use a ClusterSecretStore with these conditions? (No conditions = yes.) */
export function namespaceAllowed(conditions: readonly ClusterSecretStoreCondition[], ns: NamespaceInfo): boolean {
  if (conditions.length === 0) return true;
  return conditions.some((c) => {
    if (c.namespaces?.includes(ns.name) === true) return true;
    if (c.namespaceRegexes?.some((r) => safeRegex(r)?.test(ns.name) === true) === true) return true;
    return c.namespaceSelector !== undefined && selectorMatches(c.namespaceSelector, ns.labels);
  });
}

// Go's regexp (RE2, linear time) as ESO; a pattern Go rejects matches nothing, as in ESO.
function safeRegex(source: string): GoRegexp | undefined {
  try {
    return compileGoRegexp(source);
  } catch {
    return undefined;
  }
}

/** Pure: is this store for this operator's controller class? */
export function storeIsMine(store: SecretStore, controllerClass: string): boolean {
  return (store.spec.controller ?? "") === controllerClass;
}

function readyCondition(conditions: readonly Condition[] | undefined): Condition | undefined {
  return conditions?.find((c) => c.type === "Ready");
}

/**
 * Pure: the namespace a store may read a ConfigMap (a `caProvider`) from, by ESO's rules: a
 * ClusterSecretStore must name it; a SecretStore reads its own and may not name another.
 * Throws KsealError(STORE_INVALID_CONFIG).
 */
export function configMapNamespace(store: SecretStore, ref: ConfigMapKeyRef, fallback: string): string {
  const label = `${store.kind} "${store.metadata.name}"`;
  const details = { store: store.metadata.name, configMap: ref.name };
  if (store.kind === "ClusterSecretStore") {
    if (ref.namespace === undefined || ref.namespace === "") {
      throw new KsealError("STORE_INVALID_CONFIG", `${label}: caProvider.namespace is required to read ConfigMap "${ref.name}"`, { details });
    }
    return ref.namespace;
  }
  const own = store.metadata.namespace ?? fallback;
  if (ref.namespace !== undefined && ref.namespace !== "" && ref.namespace !== own) {
    throw new KsealError("STORE_INVALID_CONFIG", `${label}: caProvider.namespace "${ref.namespace}" is not allowed, a SecretStore reads ConfigMaps of its own namespace "${own}"`, { details });
  }
  return own;
}

/**
 * Pure: the namespace a store's credential reference (a Secret or a ServiceAccount) is read from.
 * A ClusterSecretStore reads the namespace the reference names, else the ExternalSecret's. A
 * SecretStore reads its own namespace and, as ESO's store validation does, refuses a reference
 * naming another one rather than quietly reading a same-named object of its own namespace.
 * Throws KsealError(STORE_INVALID_CONFIG).
 */
export function credentialNamespace(store: SecretStore, what: "Secret" | "ServiceAccount", ref: { readonly name: string; readonly namespace?: string | undefined }, fallback: string): string {
  if (store.kind === "ClusterSecretStore") return ref.namespace ?? fallback;
  const own = store.metadata.namespace ?? fallback;
  if (ref.namespace !== undefined && ref.namespace !== "" && ref.namespace !== own) {
    throw new KsealError(
      "STORE_INVALID_CONFIG",
      `${store.kind} "${store.metadata.name}": ${what} reference "${ref.name}" names namespace "${ref.namespace}"; a SecretStore may only use ${what}s of its own namespace "${own}"`,
      { details: { store: store.metadata.name, [what === "Secret" ? "secret" : "serviceAccount"]: ref.name } },
    );
  }
  return own;
}

/** The StoreContext a provider gets: credential reads confined as ESO confines them. */
export function storeContext(store: SecretStore, namespace: string, deps: ResolveDeps): StoreContext {
  return {
    storeKind: store.kind,
    storeName: store.metadata.name,
    namespace,
    providerSpec: store.spec.provider.spec,
    readSecretKey: async (ref: SecretKeyRef) => deps.reads.readSecretKey(credentialNamespace(store, "Secret", ref, namespace), ref.name, ref.key),
    readConfigMapKey: async (ref: ConfigMapKeyRef) => deps.reads.readConfigMapKey(configMapNamespace(store, ref, namespace), ref.name, ref.key),
    createServiceAccountToken: async (ref: ServiceAccountRef) =>
      deps.reads.createServiceAccountToken(credentialNamespace(store, "ServiceAccount", ref, namespace), ref.name, ref.audiences ?? []),
    now: deps.now,
  };
}

export type Resolved =
  | { readonly kind: "client"; readonly client: SecretsClient; readonly store: SecretStore }
  | { readonly kind: "notMine"; readonly store: SecretStore };

function fail(code: string, message: string, details: Record<string, string>): KsealError {
  return new KsealError(code, message, { details });
}

/**
 * A store object from the informer's cache, parsed once per object: every refresh of every
 * ExternalSecret resolves its store, and the cached object is replaced, not mutated, when the store
 * changes. (A listed object carries no kind; the reference says which it is.)
 */
const parsedStores: Readonly<Record<StoreRef["kind"], (raw: unknown) => SecretStore>> = {
  SecretStore: memoPerObject((raw) => parseSecretStore(withKind(raw, "SecretStore"))),
  ClusterSecretStore: memoPerObject((raw) => parseSecretStore(withKind(raw, "ClusterSecretStore"))),
};

function withKind(raw: unknown, kind: StoreRef["kind"]): unknown {
  return typeof raw === "object" && raw !== null ? { ...raw, kind } : raw;
}

/**
 * The client for `ref` as used from `namespace`. Throws KsealError: STORE_NOT_FOUND,
 * STORE_NAMESPACE_NOT_ALLOWED, STORE_NOT_READY, STORE_INVALID, or the provider's own store error.
 */
export async function resolveStore(ref: StoreRef, namespace: string, deps: ResolveDeps): Promise<Resolved> {
  const label = `${ref.kind} "${ref.name}"`;
  const raw = ref.kind === "ClusterSecretStore" ? await deps.reads.getClusterSecretStore(ref.name) : await deps.reads.getSecretStore(namespace, ref.name);
  if (raw === undefined || raw === null) throw fail(StoreResolveError.NotFound, `${label} not found${ref.kind === "SecretStore" ? ` in namespace "${namespace}"` : ""}`, { store: ref.name });
  let store: SecretStore;
  try {
    store = parsedStores[ref.kind](raw);
  } catch (e: unknown) {
    throw new KsealError(StoreResolveError.Invalid, `${label} is invalid: ${safeMessage(e)}`, { cause: e, details: { store: ref.name } });
  }
  if (!storeIsMine(store, deps.controllerClass)) return { kind: "notMine", store };
  if (ref.kind === "ClusterSecretStore" && store.spec.conditions.length > 0) {
    const ns = (await deps.reads.getNamespace(namespace)) ?? { name: namespace, labels: {} };
    if (!namespaceAllowed(store.spec.conditions, ns)) {
      throw fail(StoreResolveError.NotAllowed, `${label} does not allow namespace "${namespace}"`, { store: ref.name, namespace });
    }
  }
  const ready = readyCondition(store.status.conditions);
  if (ready?.status === "False") {
    throw fail(StoreResolveError.NotReady, `${label} is not ready: ${ready.reason ?? "unknown reason"}`, { store: ref.name });
  }
  const provider = await deps.providers(store.spec.provider.key);
  provider.validateSpec(store.spec.provider.spec);
  return { kind: "client", client: await provider.newClient(storeContext(store, namespace, deps)), store };
}

// ---------------------------------------------------------------------------------------------
// Store status and events

export interface StoreStatusPort {
  /**
   * Writes `status` of the store (status subresource, merge patch): `capabilities` is left as it
   * is when absent.
   */
  writeStatus(kind: StoreKind, namespace: string | undefined, name: string, status: { conditions: Condition[]; capabilities?: string }): Promise<void>;
}

/** The store object an event is about. */
export interface StoreObjectRef {
  readonly kind: StoreKind;
  readonly name: string;
  readonly namespace?: string | undefined;
  readonly uid?: string | undefined;
}

/**
 * Kubernetes Events on a store, as ESO's store controller records them. Never throws, never waits:
 * event delivery must not fail a reconcile. The recorder behind it merges a repeat of the same
 * event into the existing Event (src/kube/events.ts), as client-go's recorder does for ESO.
 */
export interface StoreEventPort {
  record(store: StoreObjectRef, type: "Normal" | "Warning", reason: string, message: string): void;
}

/** One validation's verdict: the Ready condition's status, reason and message. */
export interface StoreVerdict {
  readonly ready: boolean;
  readonly reason: string;
  readonly message: string;
}

/** Pure: the Ready condition for a validation outcome, keeping lastTransitionTime when unchanged. */
export function storeReadyCondition(previous: readonly Condition[] | undefined, ready: boolean, reason: string, message: string, now: number): Condition {
  const prev = readyCondition(previous);
  const status = ready ? "True" : "False";
  const same = prev?.status === status && prev.reason === reason && prev.message === message;
  return { type: "Ready", status, reason, message, lastTransitionTime: same && prev.lastTransitionTime !== undefined ? prev.lastTransitionTime : rfc3339(now) };
}

/**
 * Pure: the type of the event ESO records for a verdict: Normal for `Valid` only; Warning for every
 * other reason, including `ValidationUnknown`, which ESO reports with Ready=True.
 */
export function storeEventType(verdict: StoreVerdict): "Normal" | "Warning" {
  return verdict.reason === StoreReason.Valid ? "Normal" : "Warning";
}

/** What can be read of a store object that does not parse: enough to report on it. */
interface StoreHeader {
  readonly ref: StoreObjectRef;
  readonly controller: string;
  readonly conditions: readonly Condition[] | undefined;
}

/** Pure: kind, name, namespace, uid, controller class and conditions of a raw store, or undefined without a name. */
function storeHeader(raw: unknown): StoreHeader | undefined {
  if (!isRecord(raw)) return undefined;
  const md = isRecord(raw.metadata) ? raw.metadata : {};
  if (typeof md.name !== "string" || md.name === "") return undefined;
  const spec = isRecord(raw.spec) ? raw.spec : {};
  const status = isRecord(raw.status) ? raw.status : {};
  const conditions = Array.isArray(status.conditions)
    ? status.conditions.filter((c): c is Condition => isRecord(c) && typeof c.type === "string" && typeof c.status === "string")
    : undefined;
  return {
    ref: {
      kind: raw.kind === "ClusterSecretStore" ? "ClusterSecretStore" : "SecretStore",
      name: md.name,
      namespace: typeof md.namespace === "string" && md.namespace !== "" ? md.namespace : undefined,
      uid: typeof md.uid === "string" ? md.uid : undefined,
    },
    controller: typeof spec.controller === "string" ? spec.controller : "",
    conditions,
  };
}

export interface StoreReconcileDeps extends ResolveDeps {
  readonly status: StoreStatusPort;
  readonly events: StoreEventPort;
  readonly recheckMs: number;
}

/** Validates a parsed store: its provider spec statically, then the provider itself (credentials, reachability). */
async function validateStore(store: SecretStore, deps: ResolveDeps): Promise<StoreVerdict> {
  try {
    const provider = await deps.providers(store.spec.provider.key);
    provider.validateSpec(store.spec.provider.spec);
    const client = await provider.newClient(storeContext(store, store.metadata.namespace ?? "", deps));
    try {
      const v = await client.validate();
      return { ready: v.ready, reason: v.reason, message: v.message };
    } finally {
      await client.close();
    }
  } catch (e: unknown) {
    const reason = e instanceof KsealError && e.code === "STORE_INVALID_CONFIG" ? StoreReason.InvalidProviderConfig : StoreReason.ValidationFailed;
    return { ready: false, reason, message: safeMessage(e) };
  }
}

/** Records the verdict's event and writes the Ready condition when it changed. */
async function report(head: StoreHeader, verdict: StoreVerdict, capabilities: string | undefined, deps: StoreReconcileDeps): Promise<void> {
  // Every validation records its event, as ESO does; the recorder turns a repeat into a count.
  deps.events.record(head.ref, storeEventType(verdict), verdict.reason, verdict.message);
  const cond = storeReadyCondition(head.conditions, verdict.ready, verdict.reason, verdict.message, deps.now());
  const prev = readyCondition(head.conditions);
  if (prev?.status !== cond.status || prev.reason !== cond.reason || prev.message !== cond.message) {
    await deps.status.writeStatus(head.ref.kind, head.ref.namespace, head.ref.name, { conditions: [cond], ...(capabilities === undefined ? {} : { capabilities }) });
  }
}

/**
 * Reconciles one store, as ESO's store controller does: validates the provider spec statically,
 * then asks the provider to validate (credentials, reachability); records an event every time
 * (Normal `Valid` "store validated", or a Warning with the reason and the error) and writes the
 * Ready condition only when it changed (reasons Valid / InvalidProviderConfig / ValidationFailed /
 * ValidationUnknown). A store whose spec cannot be read at all (no provider, several) is
 * InvalidProviderConfig, as ESO reports a store it cannot build a client for, and is retried with
 * backoff; any other store comes back in `recheckMs`.
 */
export async function reconcileStore(raw: unknown, deps: StoreReconcileDeps): Promise<Outcome> {
  const head = storeHeader(raw);
  // The API server never serves one; nothing to report on, and retrying cannot help.
  if (head === undefined) return terminal(new KsealError(StoreResolveError.Invalid, "store object without metadata.name"));
  let store: SecretStore;
  try {
    store = parseSecretStore(raw);
  } catch (e: unknown) {
    if (head.controller !== deps.controllerClass) return ok();
    const message = safeMessage(e);
    await report(head, { ready: false, reason: StoreReason.InvalidProviderConfig, message }, undefined, deps);
    return retry(new KsealError(StoreResolveError.Invalid, `${head.ref.kind} "${head.ref.name}" is invalid: ${message}`, { cause: e, details: { store: head.ref.name } }));
  }
  if (!storeIsMine(store, deps.controllerClass)) return ok();
  const verdict = await validateStore(store, deps);
  await report({ ...head, conditions: store.status.conditions }, verdict, "ReadOnly", deps);
  return verdict.ready
    ? ok(deps.recheckMs)
    : retry(new KsealError("STORE_NOT_READY", `${store.kind} "${store.metadata.name}" is not ready: ${verdict.reason}`), deps.recheckMs);
}
