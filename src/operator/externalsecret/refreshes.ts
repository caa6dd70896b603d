/**
 * The last refresh of each ExternalSecret, kept in memory so that a refresh that changed nothing
 * does not have to rewrite `status.refreshTime` (one API write per object per interval is the
 * whole steady-state write load otherwise). planRefresh schedules from
 * max(status.refreshTime, remembered refresh); after a restart the memory is empty and the status
 * value is used, as before.
 *
 * Entries are keyed by uid and generation: an edited or re-created object never inherits the
 * refresh instant of its predecessor. The map is bounded (least recently recorded dropped first),
 * so deleted objects cannot make it grow without limit.
 */
import { RecentMap } from "../../support/recent.ts";
import { statusUnchanged } from "./status.ts";
import type { ExternalSecret, ExternalSecretStatus } from "./types.ts";

function keyOf(es: ExternalSecret): string | undefined {
  const uid = es.metadata.uid;
  return uid === undefined || uid === "" ? undefined : `${uid}/${String(es.metadata.generation ?? 0)}`;
}

export class RefreshMemory {
  readonly #last: RecentMap<string, number>;

  /** @param max entries kept; the oldest recorded is dropped beyond it. */
  constructor(max = 200_000) {
    this.#last = new RecentMap(max);
  }

  /** The instant (ms since epoch) of the last refresh of this uid+generation, if remembered. */
  get(es: ExternalSecret): number | undefined {
    const k = keyOf(es);
    return k === undefined ? undefined : this.#last.get(k);
  }

  /** Records a refresh of `es` at `at`; an older instant never replaces a newer one. */
  record(es: ExternalSecret, at: number): void {
    const k = keyOf(es);
    if (k === undefined) return;
    const prev = this.#last.get(k);
    this.#last.set(k, prev === undefined ? at : Math.max(prev, at));
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
