/**
 * Tells the watch echo of this process's own writes from somebody else's change. Without it every
 * Secret the ExternalSecret engine writes comes back as a watch event and brings its ExternalSecret
 * back for a second reconcile — usually before the informer holds the status just written, so that
 * reconcile synced again: a cold sync of N objects cost about 2N reconciles and status writes.
 *
 * A write is bracketed by {@link begin} and {@link end}, which learns the resourceVersion the API
 * server gave it. A change observed meanwhile is held (its echo may arrive on the watch before the
 * write's own response) and judged at {@link end}: the version just written is an echo and dropped;
 * anything else is delivered. A later change by anyone else carries another resourceVersion, so it
 * is never mistaken for an echo. Bounded: the oldest versions are forgotten first (a forgotten one
 * only costs one extra reconcile).
 */
import type { ObjectKey } from "./outcome.ts";
import { RecentMap } from "../support/recent.ts";

interface Pending {
  writes: number;
  readonly held: { readonly resourceVersion: string | undefined; readonly deliver: () => void }[];
}

export class OwnWrites {
  readonly #versions: RecentMap<ObjectKey, string>;
  readonly #pending = new Map<ObjectKey, Pending>();

  constructor(max = 100_000) {
    this.#versions = new RecentMap(max);
  }

  /** This process is about to write `key`. */
  begin(key: ObjectKey): void {
    const p = this.#pending.get(key);
    if (p === undefined) this.#pending.set(key, { writes: 1, held: [] });
    else p.writes++;
  }

  /** The write of `key` ended: with the resourceVersion the API server answered, or undefined when it failed. */
  end(key: ObjectKey, resourceVersion: string | undefined): void {
    if (resourceVersion !== undefined && resourceVersion !== "") this.#versions.set(key, resourceVersion);
    const p = this.#pending.get(key);
    if (p === undefined) return;
    if (--p.writes > 0) return;
    this.#pending.delete(key);
    for (const h of p.held) if (!this.isEcho(key, h.resourceVersion)) h.deliver();
  }

  /**
   * An observed change of `key` at `resourceVersion`: dropped when it is the version this process
   * last wrote, held while a write of `key` is in flight, otherwise delivered at once.
   */
  observe(key: ObjectKey, resourceVersion: string | undefined, deliver: () => void): void {
    const p = this.#pending.get(key);
    if (p !== undefined) p.held.push({ resourceVersion, deliver });
    else if (!this.isEcho(key, resourceVersion)) deliver();
  }

  /** Whether `resourceVersion` of `key` is the one this process last wrote. */
  isEcho(key: ObjectKey, resourceVersion: string | undefined): boolean {
    return resourceVersion !== undefined && resourceVersion !== "" && this.#versions.get(key) === resourceVersion;
  }


  /** Versions remembered (for tests). */
  get size(): number {
    return this.#versions.size;
  }
}
