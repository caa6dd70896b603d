/**
 * Read coalescing across every ExternalSecret: "fewer calls than anyone".
 *
 * A {@link ReadCoalescer} is shared by the whole operator. Every SecretsClient the engine obtains is
 * wrapped with {@link ReadCoalescer.wrap} under its store's identity ({@link storeIdentity}); reads
 * of the same (identity, key, version, metadataPolicy) then
 * - share one in-flight call when they are concurrent,
 * - reuse a completed result within a short window (`reuseMs`, default 5 s),
 * - and for a refresh that fell due at instant T ({@link SecretsClient.readsSince}), reuse any
 *   result whose call started at or after T: every ExternalSecret of a refresh grid instant
 *   (plan.ts nextOnGrid) then shares one read per key, however long the burst takes to process —
 *   a fixed window let a burst of 10,000 outlast it and read each key several times. The value
 *   is never older than the instant the refresh was due, which is all a refresh asks for.
 * - and, for providers whose value is "raw bytes, properties are gjson paths into them"
 *   ({@link LOCAL_PROPERTY_PROVIDERS}), are property-independent: `getSecret` with any property and
 *   `getSecretMap` all derive from one fetch of the whole value.
 * Errors are never reused, except not-found (it is an answer, not a failure) for the same window.
 *
 * Per store identity there is a token-bucket rate limit, and exponential backoff once the store
 * answers STORE_THROTTLED: the throttled call is retried (up to `backoff.maxAttempts`) and every
 * other call to that store waits out the same backoff. Every underlying call is reported through
 * {@link CoalesceOptions.onCall} with ESO's metric labels (`provider`, `call`, `status`).
 *
 * Failure semantics are the wrapped client's: the same errors, thrown to every sharer of a call.
 * Two identities never share anything, so identity must cover everything that changes what a
 * store returns to a caller (store, kind, namespace where credentials depend on it, spec).
 */
import { SecretNotFoundError, StoreErrorCode, storeError, type FindSpec, type RemoteRef, type SecretsClient, type ValidationResult } from "./contract.ts";
import { isKsealError } from "../errors.ts";
import { fromUtf8, jsonValueBytes, objectToMap, pickProperty, tryParseJson } from "./support.ts";
import { canonicalJson } from "../support/canonical-json.ts";
import { memoPerObject } from "../support/memo.ts";

/** ESO's `status` label values of `externalsecret_provider_api_calls_count`. */
export type CallStatus = "success" | "error";

/** The contract method a call was made for (the `call` label). */
export type CallName = "GetSecret" | "GetSecretMap" | "FindSecrets" | "Validate";

export interface CoalesceOptions {
  /** Injected clock, ms since epoch. */
  readonly now: () => number;
  /** Waits `ms` (rate limit, backoff). Default: a real timer. Tests advance their clock here. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** How long a completed read (or a not-found) is reused. Default 5000 ms; 0 disables reuse. */
  readonly reuseMs?: number;
  /**
   * How long a result stays available to refreshes that fell due before its call started
   * (readsSince). Bounds memory only: freshness is the due instant's. Default 300,000 ms.
   */
  readonly retainMs?: number;
  /**
   * Token bucket per store identity: one rate for every provider, or one per provider key.
   * Default {@link defaultStoreRate}.
   */
  readonly rate?: StoreRate | ((provider: string) => StoreRate);
  /** Backoff on STORE_THROTTLED. Default: 200 ms doubling to 30 s, 5 attempts in all. */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number; readonly maxAttempts: number };
  /** One report per underlying call: `externalsecret_provider_api_calls_count{provider, call, status}`. */
  readonly onCall?: (provider: string, call: CallName, status: CallStatus) => void;
}

export interface StoreRate {
  readonly perSecond: number;
  readonly burst: number;
}

/**
 * Calls per second a store takes from one operator by default. The bucket is there so a fleet's
 * cold start cannot flood a store, not to pace normal work, so it sits below each service's own
 * quota rather than far below it: Azure Key Vault throttles secret GETs at 4,000 per 10 s per
 * vault, hence 200/s; AWS (10,000/s GetSecretValue), Google (90,000/min per project) and a
 * self-hosted Vault take 1,000/s. A store that throttles anyway gets the backoff below.
 */
export function defaultStoreRate(provider: string): StoreRate {
  return provider === "azurekv" ? { perSecond: 200, burst: 400 } : { perSecond: 1000, burst: 2000 };
}

function checkRate(r: StoreRate): StoreRate {
  if (!(r.perSecond > 0) || !(r.burst >= 1)) throw new RangeError("rate.perSecond must be > 0 and rate.burst >= 1");
  return r;
}

/** Who a wrapped client is: what makes two clients interchangeable for reads. */
export interface StoreIdentity {
  /** The provider key (`vault`, `aws`, `gcpsm`, …); also the metric's `provider` label. */
  readonly provider: string;
  /** The store's name, for error messages. */
  readonly store: string;
  /** An opaque string; equal strings mean "same store, same credentials". See {@link storeIdentity}. */
  readonly id: string;
}

/**
 * Providers whose `getSecret` without property returns the whole value, whose properties are gjson
 * paths into that value as JSON, and whose `getSecretMap` is that JSON object's entries — so one
 * fetch serves every property and the map. Other providers are coalesced per (method, property).
 */
export const LOCAL_PROPERTY_PROVIDERS: ReadonlySet<string> = new Set(["vault", "aws", "gcpsm"]);

/**
 * The identity of a store as seen from one namespace: kind, name, the namespace (always for a
 * SecretStore; for a ClusterSecretStore unless `sharedAcrossNamespaces` says its credentials do
 * not depend on the reading namespace) and the canonical provider spec, so an edited spec (other
 * server, other credentials reference) never reuses results of the old one.
 */
export function storeIdentity(
  provider: string,
  store: { readonly storeKind: "SecretStore" | "ClusterSecretStore"; readonly storeName: string; readonly namespace: string; readonly providerSpec: unknown },
  opts: { readonly sharedAcrossNamespaces?: boolean } = {},
): StoreIdentity {
  const ns = store.storeKind === "SecretStore" || opts.sharedAcrossNamespaces !== true ? store.namespace : "";
  return { provider, store: store.storeName, id: `${canonicalJson([provider, store.storeKind, store.storeName, ns])}${specJson(store.providerSpec)}` };
}

/**
 * The canonical JSON of a provider spec, computed once per spec object: every refresh of every
 * ExternalSecret asks for its store's identity, and the spec is the informer's cached object,
 * replaced (not mutated) when the store changes.
 */
const specJson = memoPerObject(canonicalJson);

type Fetched = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: SecretNotFoundError };

interface Entry {
  /** Settles with the result; rejects with errors that are not reused. */
  readonly promise: Promise<Fetched>;
  /** When the call was asked for: the store answered with what it held at this instant or later. */
  readonly startedAt: number;
  /** Set when settled successfully (value or not-found): reusable by any read until then. */
  expiresAt?: number;
  /** Set when settled successfully: reusable by reads due at or before startedAt until then. */
  retainUntil?: number;
}

interface StoreState {
  readonly rate: StoreRate;
  tokens: number;
  refilledAt: number;
  /** No call to this store before this time (ms since epoch): set when it answers STORE_THROTTLED. */
  backoffUntil: number;
  /** Serializes token acquisition so waiters are served in order. */
  queue: Promise<void>;
  readonly entries: Map<string, Entry>;
}

/** Counters, for tests, benchmarks and debugging. */
export interface CoalesceStats {
  /** Calls made to wrapped clients (including retries). */
  calls: number;
  /** Requests served by joining an in-flight call. */
  joined: number;
  /** Requests served from a completed result within the reuse window. */
  reused: number;
  /** Calls retried after STORE_THROTTLED. */
  retries: number;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class ReadCoalescer {
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #reuseMs: number;
  readonly #retainMs: number;
  readonly #rate: (provider: string) => StoreRate;
  readonly #backoff: { readonly initialMs: number; readonly maxMs: number; readonly maxAttempts: number };
  readonly #onCall: (provider: string, call: CallName, status: CallStatus) => void;
  readonly #stores = new Map<string, StoreState>();
  readonly stats: CoalesceStats = { calls: 0, joined: 0, reused: 0, retries: 0 };

  constructor(opts: CoalesceOptions) {
    this.#now = opts.now;
    this.#sleep = opts.sleep ?? realSleep;
    this.#reuseMs = opts.reuseMs ?? 5000;
    this.#retainMs = opts.retainMs ?? 300_000;
    const rate = opts.rate ?? defaultStoreRate;
    if (typeof rate === "function") this.#rate = (provider) => checkRate(rate(provider));
    else {
      checkRate(rate);
      this.#rate = () => rate;
    }
    this.#backoff = opts.backoff ?? { initialMs: 200, maxMs: 30_000, maxAttempts: 5 };
    this.#onCall = opts.onCall ?? (() => undefined);
    if (!(this.#backoff.maxAttempts >= 1)) throw new RangeError("backoff.maxAttempts must be >= 1");
  }

  /** A client whose reads go through this coalescer under `identity`. Closing it closes `client` once its own calls settle. */
  wrap(identity: StoreIdentity, client: SecretsClient): SecretsClient {
    return new CoalescedClient(this, identity, client);
  }

  /** Drops every reused result of one store (e.g. after its spec or credentials changed). */
  forget(identity: StoreIdentity): void {
    this.#stores.delete(identity.id);
  }

  /** Drops expired results; call now and then (the engine's resync) to bound memory. */
  sweep(): void {
    const now = this.#now();
    for (const [id, st] of this.#stores) {
      for (const [k, e] of st.entries) if (e.expiresAt !== undefined && Math.max(e.expiresAt, e.retainUntil ?? 0) <= now) st.entries.delete(k);
      if (st.entries.size === 0 && st.backoffUntil <= now) this.#stores.delete(id);
    }
  }

  #state(identity: StoreIdentity): StoreState {
    let st = this.#stores.get(identity.id);
    if (st === undefined) {
      const rate = this.#rate(identity.provider);
      st = { rate, tokens: rate.burst, refilledAt: this.#now(), backoffUntil: 0, queue: Promise.resolve(), entries: new Map() };
      this.#stores.set(identity.id, st);
    }
    return st;
  }

  /**
   * The shared result of `fetch` under `key` for `identity`: joins an in-flight call, reuses a fresh
   * one, or makes the call (rate-limited, with backoff on throttling). With `since`, any call that
   * started at or after it counts as fresh (see {@link SecretsClient.readsSince}); one that started
   * before it is never joined or reused.
   * @internal used by the wrapped clients
   */
  async shared(
    identity: StoreIdentity, key: string, call: CallName, fetch: () => Promise<unknown>, track: (p: Promise<unknown>) => void, since?: number,
  ): Promise<Fetched> {
    const st = this.#state(identity);
    const hit = st.entries.get(key);
    const now = this.#now();
    if (hit !== undefined) {
      const settled = hit.expiresAt !== undefined;
      const usable = since === undefined
        ? !settled || now < (hit.expiresAt ?? 0)
        : hit.startedAt >= since && (!settled || now < (hit.retainUntil ?? 0));
      if (usable) {
        if (settled) this.stats.reused++;
        else this.stats.joined++;
        return hit.promise;
      }
    }
    const entry: Entry = { promise: this.#callWithPolicy(identity, st, call, fetch), startedAt: now };
    // Replaces `hit` (expired, or too old for this refresh); an older call still in flight settles
    // for its own callers only.
    st.entries.set(key, entry);
    track(entry.promise);
    entry.promise.then(
      () => {
        if (st.entries.get(key) !== entry) return;
        if (this.#reuseMs <= 0 && this.#retainMs <= 0) {
          st.entries.delete(key);
          return;
        }
        entry.expiresAt = this.#now() + this.#reuseMs;
        entry.retainUntil = entry.startedAt + this.#retainMs;
      },
      () => {
        if (st.entries.get(key) === entry) st.entries.delete(key);
      },
    );
    return entry.promise;
  }

  /** An uncoalesced call that still goes through the rate limit, backoff and metric. @internal */
  async direct<T>(identity: StoreIdentity, call: CallName, fetch: () => Promise<T>): Promise<T> {
    const r = await this.#callWithPolicy(identity, this.#state(identity), call, fetch);
    if (!r.ok) throw r.error;
    return r.value as T;
  }

  async #callWithPolicy(identity: StoreIdentity, st: StoreState, call: CallName, fetch: () => Promise<unknown>): Promise<Fetched> {
    for (let attempt = 1; ; attempt++) {
      await this.#acquire(st);
      this.stats.calls++;
      try {
        const value = await fetch();
        this.#onCall(identity.provider, call, "success");
        return { ok: true, value };
      } catch (e: unknown) {
        this.#onCall(identity.provider, call, "error");
        if (e instanceof SecretNotFoundError) return { ok: false, error: e };
        if (!isKsealError(e, StoreErrorCode.Throttled)) throw e;
        // The delay doubles per attempt of this call; the whole store waits it out (backoffUntil).
        const delay = Math.min(this.#backoff.maxMs, this.#backoff.initialMs * 2 ** (attempt - 1));
        st.backoffUntil = Math.max(st.backoffUntil, this.#now() + delay);
        if (attempt >= this.#backoff.maxAttempts) throw e;
        this.stats.retries++;
      }
    }
  }

  /** Waits for the store's backoff and for a token of its bucket, in arrival order. */
  #acquire(st: StoreState): Promise<void> {
    const turn = st.queue.then(async () => {
      for (;;) {
        const now = this.#now();
        if (now < st.backoffUntil) {
          await this.#sleep(st.backoffUntil - now);
          continue;
        }
        st.tokens = Math.min(st.rate.burst, st.tokens + ((now - st.refilledAt) * st.rate.perSecond) / 1000);
        st.refilledAt = now;
        if (st.tokens >= 1) {
          st.tokens -= 1;
          return;
        }
        await this.#sleep(Math.ceil(((1 - st.tokens) * 1000) / st.rate.perSecond));
      }
    });
    st.queue = turn;
    return turn;
  }
}

function isEmpty(p: string | undefined): p is undefined | "" {
  return p === undefined || p === "";
}

class CoalescedClient implements SecretsClient {
  readonly #co: ReadCoalescer;
  readonly #id: StoreIdentity;
  readonly #client: SecretsClient;
  readonly #local: boolean;
  /** A readsSince view: the instant its reads are due at; its calls are tracked by the client it views. */
  readonly #since: number | undefined;
  readonly #mine: Set<Promise<unknown>>;
  readonly #track = (p: Promise<unknown>): void => {
    const settled = p.then(
      () => undefined,
      () => undefined,
    );
    this.#mine.add(settled);
    void settled.then(() => this.#mine.delete(settled));
  };

  constructor(co: ReadCoalescer, id: StoreIdentity, client: SecretsClient, view?: { readonly since: number; readonly mine: Set<Promise<unknown>> }) {
    this.#co = co;
    this.#id = id;
    this.#client = client;
    this.#local = LOCAL_PROPERTY_PROVIDERS.has(id.provider);
    this.#since = view?.since;
    this.#mine = view?.mine ?? new Set();
  }

  readonly readsSince = (instant: number): SecretsClient => new CoalescedClient(this.#co, this.#id, this.#client, { since: instant, mine: this.#mine });

  #readKey(ref: RemoteRef, what: string): string {
    return canonicalJson([what, ref.key, ref.version ?? "", ref.metadataPolicy ?? "None"]);
  }

  async #result(key: string, call: CallName, fetch: () => Promise<unknown>): Promise<unknown> {
    const r = await this.#co.shared(this.#id, key, call, fetch, this.#track, this.#since);
    if (!r.ok) throw r.error;
    return r.value;
  }

  /** The whole value, fetched once for every property and the map. */
  async #whole(ref: RemoteRef): Promise<Uint8Array> {
    const base: RemoteRef = {
      key: ref.key,
      ...(ref.version === undefined ? {} : { version: ref.version }),
      ...(ref.metadataPolicy === undefined ? {} : { metadataPolicy: ref.metadataPolicy }),
    };
    return (await this.#result(this.#readKey(ref, "value"), "GetSecret", () => this.#client.getSecret(base))) as Uint8Array;
  }

  #json(ref: RemoteRef, bytes: Uint8Array): unknown {
    const v = tryParseJson(fromUtf8(bytes));
    if (v === undefined) {
      throw storeError(StoreErrorCode.BadRequest, `secret "${ref.key}" of store "${this.#id.store}" is not JSON`, {
        details: { store: this.#id.store, key: ref.key },
      });
    }
    return v;
  }

  async getSecret(ref: RemoteRef): Promise<Uint8Array> {
    if (!this.#local) {
      return (await this.#result(canonicalJson([this.#readKey(ref, "get"), ref.property ?? ""]), "GetSecret", () => this.#client.getSecret(ref))) as Uint8Array;
    }
    const bytes = await this.#whole(ref);
    if (isEmpty(ref.property)) return bytes;
    return jsonValueBytes(pickProperty(this.#id.store, ref.key, this.#json(ref, bytes), ref.property));
  }

  async getSecretMap(ref: RemoteRef): Promise<Record<string, Uint8Array>> {
    if (!this.#local) {
      return (await this.#result(canonicalJson([this.#readKey(ref, "map"), ref.property ?? ""]), "GetSecretMap", () => this.#client.getSecretMap(ref))) as Record<
        string,
        Uint8Array
      >;
    }
    const data = this.#json(ref, await this.#whole(ref));
    return objectToMap(this.#id.store, ref.key, isEmpty(ref.property) ? data : pickProperty(this.#id.store, ref.key, data, ref.property));
  }

  async findSecrets(find: FindSpec): Promise<Record<string, Uint8Array>> {
    return (await this.#result(canonicalJson(["find", find]), "FindSecrets", () => this.#client.findSecrets(find))) as Record<string, Uint8Array>;
  }

  /** Never coalesced (it is the health check), but rate-limited and counted. */
  async validate(): Promise<ValidationResult> {
    return this.#co.direct(this.#id, "Validate", () => this.#client.validate());
  }

  async close(): Promise<void> {
    // A view owns nothing: the client it views is closed by whoever resolved it.
    if (this.#since !== undefined) return;
    await Promise.all([...this.#mine]);
    await this.#client.close();
  }
}
