/**
 * The last refresh of each ExternalSecret, kept in memory so that a refresh that changed nothing
 * does not have to rewrite `status.refreshTime` (one API write per object per interval is the
 * whole steady-state write load otherwise). planRefresh schedules from
 * max(status.refreshTime, remembered refresh); after a restart the memory is empty and the status
 * value is used, as before.
 *
 * It also keeps the version (generation, labels, annotations) whose sync kseal wrote to status
 * until the informer's copy shows it: the target Secret's own watch event re-queues an
 * ExternalSecret moments after its sync, usually before the status write has come back through
 * the watch, and the copy's empty (or older) `syncedResourceVersion` would make that reconcile
 * sync again — a second store read and a second status PATCH for most objects of a cold sync.
 *
 * Entries are keyed by uid and generation: an edited or re-created object never inherits the
 * refresh instant of its predecessor. The maps are bounded (least recently recorded dropped first),
 * so deleted objects cannot make them grow without limit.
 */
import { RecentMap } from "../../support/recent.ts";
import { statusUnchanged } from "./status.ts";
import type { ExternalSecret, ExternalSecretStatus } from "./types.ts";

/** What the process remembers of an ExternalSecret's last refresh (planRefresh's input). */
export interface RememberedRefresh {
  /** The instant (ms since epoch) of the last refresh. */
  readonly at: number;
  /** The version synced and written to status that the object's status does not show yet. */
  readonly syncedVersion?: string;
}

function keyOf(es: ExternalSecret): string | undefined {
  const uid = es.metadata.uid;
  return uid === undefined || uid === "" ? undefined : `${uid}/${String(es.metadata.generation ?? 0)}`;
}

export class RefreshMemory {
  readonly #last: RecentMap<string, number>;
  /** uid/generation → the version whose sync was written to status, until the status shows it. */
  readonly #unseen: RecentMap<string, string>;

  /** @param max entries kept; the oldest recorded is dropped beyond it. */
  constructor(max = 200_000) {
    this.#last = new RecentMap(max);
    this.#unseen = new RecentMap(max);
  }

  /**
   * The last refresh of this uid+generation, and the version synced that `es.status` does not show
   * yet. Once the status shows it, the version is forgotten (the status is the record again).
   */
  recall(es: ExternalSecret): RememberedRefresh | undefined {
    const k = keyOf(es);
    if (k === undefined) return undefined;
    const at = this.#last.get(k);
    if (at === undefined) return undefined;
    const version = this.#unseen.get(k);
    if (version === undefined) return { at };
    if (es.status.syncedResourceVersion === version) {
      this.#unseen.delete(k);
      return { at };
    }
    return { at, syncedVersion: version };
  }

  /**
   * Records a refresh of `es` at `at` that synced `syncedVersion` (its resourceVersionOf, as the
   * sync result carries it) and whose status is written or already current; an older instant never
   * replaces a newer one.
   */
  record(es: ExternalSecret, at: number, syncedVersion: string): void {
    const k = keyOf(es);
    if (k === undefined) return;
    const prev = this.#last.get(k);
    this.#last.set(k, prev === undefined ? at : Math.max(prev, at));
    if (es.status.syncedResourceVersion === syncedVersion) this.#unseen.delete(k);
    else this.#unseen.set(k, syncedVersion);
  }

  /** Entries held (for tests). */
  get size(): number {
    return this.#last.size;
  }
}

/**
 * Pure: whether writing `next` over `es.status` can be skipped — nothing but refreshTime would
 * change, the object had synced before (the first sync always writes refreshTime), and no Secret
 * was written (a changed Secret is reported with a fresh refreshTime, as ESO).
 */
export function canSkipStatusWrite(prev: ExternalSecretStatus, next: ExternalSecretStatus, secretWritten: boolean): boolean {
  if (secretWritten) return false;
  if (prev.refreshTime === undefined || prev.refreshTime === null || prev.refreshTime === "") return false;
  return statusUnchanged(prev, next);
}
