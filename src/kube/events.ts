/**
 * An EventRecorder on `events.k8s.io/v1`.
 *
 * Identical events (same object, type, reason, action and note) within `dedupeWindowMs` are
 * aggregated into one Event whose `series.count` grows, instead of a new object each time.
 *
 * SECRECY CONTRACT: Events are readable by anyone who can list events in the namespace. There is no
 * reliable way to detect a secret inside free text, so this recorder does not try to; instead every
 * caller MUST build `reason`, `action` and `note` from resource names, key names and error codes only
 * (e.g. `safeMessage(e)` from src/errors.ts), never from a fetched value, a template output, an
 * upstream error message or anything else derived from secret data.
 */
import { KsealError } from "../errors.ts";
import { systemClock, type Clock } from "./clock.ts";
import { EVENTS, type KubeHttp } from "./client.ts";
import { microTime } from "./leader.ts";
import { setMostRecent } from "../support/recent.ts";

/** The object an event is about. */
export interface ObjectReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string | undefined;
  readonly uid?: string | undefined;
}

export type EventType = "Normal" | "Warning";

export interface EventRecorderOptions {
  readonly http: KubeHttp;
  /** `reportingInstance`, normally the pod name. */
  readonly instance: string;
  /** `reportingController`. Default `kseal`. */
  readonly controller?: string;
  /** Namespace for events about cluster-scoped objects. Default `default`. */
  readonly clusterEventNamespace?: string;
  /** Window in which identical events are merged into a series. Default 10 min. */
  readonly dedupeWindowMs?: number;
  /** Identical-event memory; the oldest entries are forgotten first. Default 4096. */
  readonly maxTracked?: number;
  /**
   * Event writes in flight at once. Default 4: events are written in the background, behind the
   * reconciles' own writes (client-go's broadcaster writes them one at a time), so a burst of
   * thousands of syncs does not double the API server's load while the Secrets are still due.
   */
  readonly maxInFlight?: number;
  /** Event writes waiting for a slot; beyond this, new ones are dropped and logged. Default 10,000. */
  readonly maxQueued?: number;
  readonly clock?: Clock;
  readonly log?: { warn(obj: object, msg: string): void };
}

interface Tracked {
  readonly namespace: string;
  readonly name: string;
  count: number;
  lastAt: number;
  /** Serialises writes of one event so a series update never races its create. */
  chain: Promise<void>;
}

const NOTE_MAX = 1024;

export class EventRecorder {
  readonly #o: EventRecorderOptions;
  readonly #clock: Clock;
  readonly #tracked = new Map<string, Tracked>();
  #seq = 0;
  #inFlight = 0;
  readonly #waiting: (() => void)[] = [];
  #dropped = 0;

  constructor(options: EventRecorderOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** Runs one event write when a slot is free; false (and nothing written) when the backlog is full. */
  async #limited(write: () => Promise<void>): Promise<boolean> {
    if (this.#inFlight >= (this.#o.maxInFlight ?? 4)) {
      if (this.#waiting.length >= (this.#o.maxQueued ?? 10_000)) {
        // Logged on the first drop and then every 1,000th, not once per event.
        if (this.#dropped++ % 1000 === 0) this.#o.log?.warn({ dropped: this.#dropped }, "event backlog full: events dropped");
        return false;
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#inFlight++;
    try {
      await write();
    } finally {
      this.#inFlight--;
      this.#waiting.shift()?.();
    }
    return true;
  }

  /** Records an event without waiting; failures are logged, never thrown. */
  record(regarding: ObjectReference, type: EventType, reason: string, note: string, action = "Reconcile"): void {
    void this.emit(regarding, type, reason, note, action);
  }

  /**
   * Records an event and resolves when it is written (or merged into a series). Resolves, never
   * rejects: event delivery must not fail a reconcile.
   */
  emit(regarding: ObjectReference, type: EventType, reason: string, note: string, action = "Reconcile"): Promise<void> {
    const namespace = regarding.namespace ?? this.#o.clusterEventNamespace ?? "default";
    const trimmed = note.length > NOTE_MAX ? note.slice(0, NOTE_MAX) : note;
    const key = JSON.stringify([namespace, regarding.kind, regarding.name, regarding.uid ?? "", type, reason, action, trimmed]);
    const now = this.#clock.now();
    const existing = this.#tracked.get(key);
    if (existing !== undefined && now - existing.lastAt < (this.#o.dedupeWindowMs ?? 600_000)) {
      existing.count++;
      existing.lastAt = now;
      const count = existing.count;
      this.#touch(key, existing);
      existing.chain = existing.chain.then(() => this.#series(existing, count, now));
      return existing.chain;
    }
    const name = `${regarding.name}.${now.toString(16)}${(this.#seq++).toString(16)}`.slice(-253).replace(/^[^a-z0-9]+/, "");
    const t: Tracked = { namespace, name, count: 1, lastAt: now, chain: Promise.resolve() };
    this.#touch(key, t);
    t.chain = this.#create(key, t, regarding, type, reason, trimmed, action, now);
    return t.chain;
  }

  #touch(key: string, t: Tracked): void {
    setMostRecent(this.#tracked, key, t, this.#o.maxTracked ?? 4096);
  }

  async #create(key: string, t: Tracked, regarding: ObjectReference, type: EventType, reason: string, note: string, action: string, now: number): Promise<void> {
    try {
      const written = await this.#limited(() => this.#o.http.create(EVENTS, t.namespace, {
        apiVersion: "events.k8s.io/v1",
        kind: "Event",
        metadata: { name: t.name, namespace: t.namespace },
        eventTime: microTime(now),
        reportingController: this.#o.controller ?? "kseal",
        reportingInstance: this.#o.instance,
        action,
        reason,
        note,
        type,
        regarding: {
          apiVersion: regarding.apiVersion,
          kind: regarding.kind,
          name: regarding.name,
          ...(regarding.namespace === undefined ? {} : { namespace: regarding.namespace }),
          ...(regarding.uid === undefined ? {} : { uid: regarding.uid }),
        },
      }).then(() => undefined));
      // Dropped: a repeat must create the event, not patch a series that does not exist.
      if (!written && this.#tracked.get(key) === t) this.#tracked.delete(key);
    } catch (e: unknown) {
      this.#o.log?.warn({ event: reason, object: regarding.name, code: e instanceof KsealError ? e.code : "unknown" }, "could not record event");
    }
  }

  async #series(t: Tracked, count: number, now: number): Promise<void> {
    try {
      await this.#limited(() => this.#o.http.mergePatch(EVENTS, t.namespace, t.name, { series: { count, lastObservedTime: microTime(now) } }).then(() => undefined));
    } catch (e: unknown) {
      this.#o.log?.warn({ event: t.name, code: e instanceof KsealError ? e.code : "unknown" }, "could not update event series");
    }
  }
}
