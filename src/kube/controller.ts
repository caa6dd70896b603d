/**
 * The glue of one controller: informer changes → keys → {@link WorkQueue} → reconciler → outcome →
 * requeue or backoff. The queue owns timing; the reconciler only says how the run ended
 * (`ok(requeueAfterMs?)`, `retry(error)`, `terminal(error)` from `outcome.ts`).
 *
 * Informers are run by the caller (shared by several controllers, and kept warm on standby
 * replicas); a controller only subscribes while started, which is what leader election toggles.
 */
import type { KubeObject } from "./client.ts";
import type { Clock } from "./clock.ts";
import { objectKey, retry, type ObjectKey, type Outcome } from "./outcome.ts";
import { WorkQueue, type Lane, type WorkQueueOptions } from "./queue.ts";
import type { Change, Informer } from "./watch.ts";

export interface ReconcileRequest<T extends KubeObject> {
  readonly key: ObjectKey;
  /** The primary object from the cache, or undefined when it is gone (clean up then). */
  readonly object: T | undefined;
}

/**
 * Reconciles one key. Must not throw for expected failures (return `retry`/`terminal`); a throw is
 * treated as `retry` with the thrown error.
 */
export type Reconciler<T extends KubeObject> = (request: ReconcileRequest<T>) => Promise<Outcome>;

/** A watch of another kind whose changes concern primary objects (e.g. a Secret → its owner). */
export interface SecondaryWatch {
  readonly informer: Informer;
  /** Primary keys affected by a change; `[]` when none. */
  readonly toKeys: (change: Change) => readonly ObjectKey[];
}

export interface ControllerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface ControllerOptions<T extends KubeObject> {
  readonly name: string;
  readonly informer: Informer<T>;
  readonly reconcile: Reconciler<T>;
  readonly secondary?: readonly SecondaryWatch[];
  /** Options of the work queue, created afresh on every {@link Controller.start}. */
  readonly queue?: WorkQueueOptions;
  /** Jitter fraction applied to `ok(requeueAfterMs)` refreshes. Default 0.1. */
  readonly refreshJitter?: number;
  /**
   * Whether an update of a primary object is worth a reconcile. Default: generation, labels,
   * annotations or deletionTimestamp changed — so the controller's own status writes do not loop.
   */
  readonly shouldEnqueue?: (change: Change<T>) => boolean;
  readonly log?: ControllerLog;
  readonly clock?: Clock;
  /** Observes every finished reconcile (for metrics). */
  readonly onReconciled?: (key: ObjectKey, outcome: Outcome, durationMs: number) => void;
}

/**
 * A {@link SecondaryWatch} mapper: the keys of the changed object's owners of kind `ownerKind`
 * (same namespace, from `metadata.ownerReferences`) — e.g. a Secret → its ExternalSecret.
 */
export function ownerKeys(ownerKind: string): (change: Change) => ObjectKey[] {
  return (change) => {
    const meta = change.object.metadata;
    return (meta?.ownerReferences ?? [])
      .filter((r) => r.kind === ownerKind)
      .map((r) => objectKey(meta?.namespace, r.name));
  };
}

/** Default update filter: spec (generation), labels, annotations or deletion changed. */
export function specOrMetadataChanged(change: Change): boolean {
  if (change.type !== "updated" || change.old === undefined) return true;
  const a = change.old.metadata ?? {};
  const b = change.object.metadata ?? {};
  if (a.generation === undefined || b.generation === undefined) return true;
  return a.generation !== b.generation
    || a.deletionTimestamp !== b.deletionTimestamp
    || !sameRecord(a.labels, b.labels)
    || !sameRecord(a.annotations, b.annotations);
}

function sameRecord(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ak = Object.keys(a ?? {});
  if (ak.length !== Object.keys(b ?? {}).length) return false;
  return ak.every((k) => a?.[k] === b?.[k]);
}

export class Controller<T extends KubeObject> {
  readonly name: string;
  #queue: WorkQueue;
  readonly #opts: ControllerOptions<T>;
  readonly #now: () => number;
  #unsubscribe: (() => void)[] = [];
  #started = false;

  constructor(options: ControllerOptions<T>) {
    this.name = options.name;
    this.#opts = options;
    this.#queue = this.#newQueue();
    const clock = options.clock;
    this.#now = clock === undefined ? () => performance.now() : () => clock.now();
  }

  #newQueue(): WorkQueue {
    return new WorkQueue({ ...(this.#opts.clock === undefined ? {} : { clock: this.#opts.clock }), ...this.#opts.queue });
  }

  /** The current work queue (a new one after each stop/start cycle). */
  get queue(): WorkQueue {
    return this.#queue;
  }

  /** True between {@link start} and {@link stop}. */
  get started(): boolean {
    return this.#started;
  }

  /**
   * Subscribes to the informers, queues every cached primary object in the `low` lane and starts the
   * workers. Informers should have synced (see `Informer.waitForSync`) so deletions are not missed.
   */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    if (this.#queue.shuttingDown) this.#queue = this.#newQueue();
    const { informer } = this.#opts;
    const filter = this.#opts.shouldEnqueue ?? specOrMetadataChanged;
    this.#unsubscribe.push(informer.onChange((c) => {
      if (c.type === "deleted") {
        this.queue.cancelDelayed(c.key);
        this.queue.add(c.key, "high");
        return;
      }
      if (c.type === "updated" && !filter(c)) return;
      this.queue.add(c.key, c.initial ? "low" : "high");
    }));
    for (const s of this.#opts.secondary ?? []) {
      this.#unsubscribe.push(s.informer.onChange((c) => {
        const lane: Lane = c.initial ? "low" : "high";
        for (const k of s.toKeys(c)) this.queue.add(k, lane);
      }));
    }
    for (const key of informer.keys()) this.queue.add(key, "low");
    this.queue.start((key) => this.#handle(key));
  }

  /** Unsubscribes and drains: no new keys, in-flight reconciles finish. {@link start} may follow. */
  async stop(): Promise<void> {
    for (const u of this.#unsubscribe) u();
    this.#unsubscribe = [];
    await this.queue.shutDown();
    this.#started = false;
  }

  async #handle(key: ObjectKey): Promise<void> {
    const started = this.#now();
    let outcome: Outcome;
    try {
      outcome = await this.#opts.reconcile({ key, object: this.#opts.informer.get(key) });
    } catch (e: unknown) {
      outcome = retry(e instanceof Error ? e : new Error("non-Error thrown by reconciler"));
    }
    this.#apply(key, outcome);
    this.#opts.onReconciled?.(key, outcome, this.#now() - started);
  }

  #apply(key: ObjectKey, outcome: Outcome): void {
    const log = this.#opts.log;
    switch (outcome.kind) {
      case "ok":
        this.queue.forget(key);
        if (outcome.requeueAfterMs !== undefined) {
          this.queue.addAfter(key, outcome.requeueAfterMs, { lane: "low", jitter: this.#opts.refreshJitter ?? 0.1 });
        }
        log?.debug({ controller: this.name, key, requeueAfterMs: outcome.requeueAfterMs }, "reconciled");
        return;
      case "retry": {
        const delay = outcome.requeueAfterMs ?? this.queue.addRateLimited(key);
        if (outcome.requeueAfterMs !== undefined) this.queue.addAfter(key, delay, { lane: "low" });
        log?.warn({ controller: this.name, key, code: codeOf(outcome.error), retryInMs: Math.round(delay) }, "reconcile failed; retrying");
        return;
      }
      case "terminal":
        this.queue.forget(key);
        log?.warn({ controller: this.name, key, code: codeOf(outcome.error) }, "reconcile failed terminally; waiting for a change");
        return;
    }
  }
}

function codeOf(e: Error): string {
  const c = (e as { code?: unknown }).code;
  return typeof c === "string" ? c : e.name;
}
