/**
 * Supervised list+watch with a local cache (an "informer" that never gives up).
 *
 * client-node's informer stops on errors other than 410; this one lists, watches from the list's
 * resourceVersion with bookmarks, and on ANY failure — refused connection, broken stream, server
 * error, undecodable event — waits a capped exponential backoff and watches again from the last
 * resourceVersion it saw. A 410 Gone (as an HTTP status or an ERROR event) drops the
 * resourceVersion and relists; the relist is diffed against the cache so deletions missed while
 * disconnected are still reported. It only stops when its AbortSignal aborts.
 *
 * For Secrets use `metadataOnly` (PartialObjectMetadata) and/or a label selector so the operator
 * never holds every Secret's data in memory (ESO #729).
 */
import { KsealError } from "../errors.ts";
import { exponentialBackoff, isAborted, sleep, systemClock, type Clock } from "./clock.ts";
import { isGone, statusOf, type KubeHttp, type KubeObject, type ResourceType, type WatchEvent } from "./client.ts";
import { compactForCache } from "./compact.ts";
import { objectKey, type ObjectKey } from "./outcome.ts";

/** What the informer needs from the API server; a port so unit tests can script failures. */
export interface WatchSource<T extends KubeObject = KubeObject> {
  /** A full, consistent list and its resourceVersion. */
  list(signal: AbortSignal): Promise<{ items: T[]; resourceVersion: string }>;
  /** Streams events from `resourceVersion`; resolves when the server ends the watch, throws on failure. */
  watch(resourceVersion: string, onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal): Promise<void>;
}

export interface HttpSourceOptions {
  readonly namespace?: string | undefined;
  readonly labelSelector?: string | undefined;
  readonly fieldSelector?: string | undefined;
  /** PartialObjectMetadata only (Accept header), e.g. for Secrets. */
  readonly metadataOnly?: boolean;
  /** Server-side watch timeout. Default 300 s; a client-side watchdog aborts 60 s after it. */
  readonly timeoutSeconds?: number;
}

/** A {@link WatchSource} over the real API server. */
export function httpSource<T extends KubeObject = KubeObject>(
  http: KubeHttp, resource: ResourceType, options: HttpSourceOptions = {},
): WatchSource<T> {
  const timeoutSeconds = options.timeoutSeconds ?? 300;
  const common = {
    namespace: options.namespace,
    labelSelector: options.labelSelector,
    fieldSelector: options.fieldSelector,
    ...(options.metadataOnly === true ? { metadataOnly: true } : {}),
  };
  return {
    async list(signal) {
      const l = await http.list<T>(resource, { ...common, signal });
      return { items: l.items, resourceVersion: l.metadata?.resourceVersion ?? "" };
    },
    async watch(resourceVersion, onEvent, signal) {
      // A half-open TCP connection would otherwise hang the watch forever.
      const watchdog = AbortSignal.timeout((timeoutSeconds + 60) * 1000);
      await http.watch<T>(resource, {
        ...common, resourceVersion, timeoutSeconds, signal: AbortSignal.any([signal, watchdog]),
      }, onEvent);
    },
  };
}

export type ChangeType = "added" | "updated" | "deleted";

export interface Change<T extends KubeObject = KubeObject> {
  readonly key: ObjectKey;
  readonly type: ChangeType;
  /** The new object, or the last known one for `deleted`. */
  readonly object: T;
  /** The previous cached object for `updated`. */
  readonly old?: T;
  /** True for changes produced by the first successful list. */
  readonly initial: boolean;
}

export interface InformerLog {
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface InformerOptions<T extends KubeObject = KubeObject> {
  readonly source: WatchSource<T>;
  /** Used in logs only. */
  readonly name: string;
  readonly clock?: Clock;
  /** Backoff between failed attempts: `base * 2^n`, capped. Default 250 ms … 30 s. */
  readonly backoff?: { readonly baseMs: number; readonly capMs: number };
  readonly log?: InformerLog;
  /** Observes every failure (for metrics); `gone` is true for 410. */
  readonly onError?: (e: unknown, gone: boolean) => void;
  /**
   * Keep an index by namespace for {@link Informer.listNamespace} (client-go's namespace index).
   * Off by default: it costs a second map entry per object, paid only by informers asked per namespace.
   */
  readonly indexNamespaces?: boolean;
}

/** The key of an object: `namespace/name` or `name`. */
export function keyOf(obj: KubeObject): ObjectKey {
  return objectKey(obj.metadata?.namespace, obj.metadata?.name ?? "");
}

const rvOf = (obj: KubeObject): string | undefined => obj.metadata?.resourceVersion;

/** A supervised watch of one resource type and a cache of its objects, keyed `namespace/name`. */
export class Informer<T extends KubeObject = KubeObject> {
  readonly name: string;
  readonly #source: WatchSource<T>;
  readonly #clock: Clock;
  readonly #baseMs: number;
  readonly #capMs: number;
  readonly #log: InformerLog | undefined;
  readonly #onError: ((e: unknown, gone: boolean) => void) | undefined;
  readonly #cache = new Map<ObjectKey, T>();
  /** namespace → that namespace's objects (with `indexNamespaces`; cluster-scoped objects under ""). */
  readonly #byNamespace: Map<string, Map<ObjectKey, T>> | undefined;
  readonly #listeners = new Set<(c: Change<T>) => void>();
  #synced = false;
  #syncWaiters: (() => void)[] = [];
  #running = false;
  /** Counters for tests and metrics. */
  readonly stats = { lists: 0, watches: 0, errors: 0, gone: 0 };

  constructor(options: InformerOptions<T>) {
    this.name = options.name;
    this.#source = options.source;
    this.#clock = options.clock ?? systemClock;
    this.#baseMs = options.backoff?.baseMs ?? 250;
    this.#capMs = options.backoff?.capMs ?? 30_000;
    this.#log = options.log;
    this.#onError = options.onError;
    this.#byNamespace = options.indexNamespaces === true ? new Map() : undefined;
  }

  /** A cached object, or undefined. Do not mutate it. */
  get(key: ObjectKey): T | undefined {
    return this.#cache.get(key);
  }

  /** All cached objects (a snapshot). */
  list(): T[] {
    return [...this.#cache.values()];
  }

  /**
   * The cached objects of one namespace (a snapshot). With `indexNamespaces` it costs what the
   * namespace holds; without, a scan of the whole cache.
   */
  listNamespace(namespace: string): T[] {
    if (this.#byNamespace !== undefined) return [...(this.#byNamespace.get(namespace)?.values() ?? [])];
    return this.list().filter((o) => (o.metadata?.namespace ?? "") === namespace);
  }

  keys(): ObjectKey[] {
    return [...this.#cache.keys()];
  }

  #put(key: ObjectKey, obj: T): void {
    this.#cache.set(key, obj);
    if (this.#byNamespace === undefined) return;
    const ns = obj.metadata?.namespace ?? "";
    let objects = this.#byNamespace.get(ns);
    if (objects === undefined) {
      objects = new Map();
      this.#byNamespace.set(ns, objects);
    }
    objects.set(key, obj);
  }

  #remove(key: ObjectKey, obj: T): void {
    this.#cache.delete(key);
    if (this.#byNamespace === undefined) return;
    const ns = obj.metadata?.namespace ?? "";
    const objects = this.#byNamespace.get(ns);
    objects?.delete(key);
    if (objects?.size === 0) this.#byNamespace.delete(ns);
  }

  get size(): number {
    return this.#cache.size;
  }

  /** True once the first list has been loaded into the cache. Stays true across relists. */
  hasSynced(): boolean {
    return this.#synced;
  }

  /** Resolves when {@link hasSynced}; rejects if `signal` aborts first. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        reject(new KsealError("ABORTED", `waiting for ${this.name} to sync was aborted`));
      };
      if (signal?.aborted === true) {
        onAbort();
        return;
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#syncWaiters.push(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      });
    });
  }

  /**
   * Registers a change listener (called synchronously, in event order); returns an unsubscribe.
   * Listeners added after sync do not get replayed changes — read {@link list} for the current state.
   */
  onChange(listener: (change: Change<T>) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Lists and watches until `signal` aborts; never rejects for API failures. Call once.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#running) throw new Error(`informer ${this.name} is already running`);
    this.#running = true;
    let rv: string | undefined;
    let attempt = 0;
    while (!signal.aborted) {
      try {
        if (rv === undefined) {
          rv = await this.#relist(signal);
          attempt = 0;
        }
        const started = this.#clock.now();
        let events = 0;
        this.stats.watches++;
        await this.#source.watch(rv, (event) => {
          const next = this.#apply(event);
          if (next !== undefined) rv = next;
          events++;
        }, signal);
        // A normal server-side end: watch again at once, unless the server ends watches instantly.
        if (events > 0 || this.#clock.now() - started >= 1000) {
          attempt = 0;
          continue;
        }
        await sleep(this.#clock, exponentialBackoff(attempt++, this.#baseMs, this.#capMs), signal);
      } catch (e: unknown) {
        if (isAborted(signal)) break;
        const gone = isGone(e);
        this.stats.errors++;
        if (gone) this.stats.gone++;
        this.#onError?.(e, gone);
        this.#log?.warn({ informer: this.name, gone, status: statusOf(e), code: codeOf(e), attempt }, "watch failed; restarting");
        if (gone) {
          rv = undefined;
          // 410 is routine (compaction); relist at once the first time.
          if (attempt === 0) {
            attempt++;
            continue;
          }
        }
        try {
          await sleep(this.#clock, exponentialBackoff(attempt++, this.#baseMs, this.#capMs), signal);
        } catch {
          break;
        }
      }
    }
    this.#running = false;
  }

  /**
   * Lists into the cache; returns the list's resourceVersion. A method of its own so that the list
   * response dies with this frame: held in run()'s frame, which lives as long as the informer, it
   * kept the first list's objects alive after watch events had replaced them in the cache — a
   * second copy of every object (at 10,000 ExternalSecrets, tens of MB).
   */
  async #relist(signal: AbortSignal): Promise<string> {
    const l = await this.#source.list(signal);
    this.stats.lists++;
    this.#replace(l.items);
    return l.resourceVersion;
  }

  /** Applies one watch event to the cache; returns the resourceVersion to resume from. */
  #apply(event: WatchEvent<T>): string | undefined {
    switch (event.type) {
      case "BOOKMARK":
        return rvOf(event.object);
      case "ERROR": {
        const status = event.object as { code?: unknown; reason?: unknown };
        const code = typeof status.code === "number" ? status.code : 0;
        throw new KsealError("KUBE_WATCH_ERROR", `watch of ${this.name} returned an error event: ${String(code)}`, {
          details: { status: code, reason: typeof status.reason === "string" ? status.reason : "" },
        });
      }
      case "ADDED":
      case "MODIFIED": {
        compactForCache(event.object);
        const key = keyOf(event.object);
        const old = this.#cache.get(key);
        this.#put(key, event.object);
        this.#emit(old === undefined
          ? { key, type: "added", object: event.object, initial: false }
          : { key, type: "updated", object: event.object, old, initial: false });
        return rvOf(event.object);
      }
      case "DELETED": {
        const key = keyOf(event.object);
        const old = this.#cache.get(key);
        if (old !== undefined) this.#remove(key, old);
        this.#emit({ key, type: "deleted", object: event.object, initial: false });
        return rvOf(event.object);
      }
      default:
        return undefined;
    }
  }

  /** Loads a full list, emitting the difference against the cache. */
  #replace(items: T[]): void {
    const initial = !this.#synced;
    const seen = new Set<ObjectKey>();
    for (const obj of items) {
      compactForCache(obj);
      const key = keyOf(obj);
      seen.add(key);
      const old = this.#cache.get(key);
      this.#put(key, obj);
      if (old === undefined) this.#emit({ key, type: "added", object: obj, initial });
      else if (rvOf(old) !== rvOf(obj)) this.#emit({ key, type: "updated", object: obj, old, initial });
    }
    for (const [key, obj] of [...this.#cache]) {
      if (seen.has(key)) continue;
      this.#remove(key, obj);
      this.#emit({ key, type: "deleted", object: obj, initial });
    }
    if (!this.#synced) {
      this.#synced = true;
      const waiters = this.#syncWaiters;
      this.#syncWaiters = [];
      for (const w of waiters) w();
    }
  }

  #emit(change: Change<T>): void {
    for (const l of this.#listeners) {
      try {
        l(change);
      } catch (e: unknown) {
        this.#log?.warn({ informer: this.name, code: codeOf(e) }, "change listener threw");
      }
    }
  }
}

function codeOf(e: unknown): string {
  return e instanceof KsealError ? e.code : e instanceof Error ? e.name : "unknown";
}
