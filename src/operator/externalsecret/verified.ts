/**
 * What each ExternalSecret's target Secret was last known to hold, so a refresh that changes
 * nothing needs no GET of the Secret.
 *
 * Without it every refresh read its Secret to check it was intact and to diff the new content
 * against it: at 10,000 ExternalSecrets that is 10,000 GETs per interval, and the refresh cycle ran
 * behind its schedule. The operator already watches every Secret's metadata, so it knows each
 * Secret's current resourceVersion. When kseal wrote a Secret (or read it and found it holding
 * exactly the desired content), it remembers that resourceVersion with a digest of the content; a
 * later refresh whose desired content has the same digest while the watched resourceVersion is
 * still the remembered one has nothing to write and nothing to repair. Any other writer changes
 * the resourceVersion, which sends the next reconcile back to reading the Secret, as before.
 *
 * Only for creation policies where kseal owns the whole Secret (Owner, Orphan): there the desired
 * Secret does not depend on what the Secret holds, so "same desired content at the same version"
 * is enough. Merge policies keep reading the Secret.
 *
 * Entries are keyed by the ExternalSecret's uid and hold the target's name; bounded (least
 * recently recorded dropped first).
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "../../support/canonical-json.ts";
import { RecentMap } from "../../support/recent.ts";
import type { DesiredSecret } from "../secrets/index.ts";
import type { ExternalSecret } from "./types.ts";

interface Verified {
  readonly target: string;
  readonly resourceVersion: string;
  readonly digest: string;
}

/**
 * A digest of everything kseal writes into a Secret. The data is covered through the HMAC
 * annotation every desired Secret carries (keyed, over the managed keys and the type), so the
 * values themselves are not hashed again.
 */
export function desiredDigest(d: DesiredSecret): string {
  return createHash("sha256")
    .update(canonicalJson({ name: d.name, namespace: d.namespace, type: d.type, immutable: d.immutable, labels: d.labels, annotations: d.annotations, owner: d.ownerReference }))
    .digest("base64url");
}

export class VerifiedTargets {
  readonly #byUid: RecentMap<string, Verified>;

  /** @param max entries kept; the oldest recorded is dropped beyond it. */
  constructor(max = 200_000) {
    this.#byUid = new RecentMap(max);
  }

  /** The Secret `target` of `es` holds `desired` at `resourceVersion` (just written, or read and found so). */
  record(es: ExternalSecret, target: string, resourceVersion: string | undefined, desired: DesiredSecret): void {
    const uid = es.metadata.uid;
    if (uid === undefined || uid === "" || resourceVersion === undefined || resourceVersion === "") return;
    this.#byUid.set(uid, { target, resourceVersion, digest: desiredDigest(desired) });
  }

  /** Forgets `es` (its Secret was deleted, or a write failed and the outcome is unknown). */
  forget(es: ExternalSecret): void {
    if (es.metadata.uid !== undefined) this.#byUid.delete(es.metadata.uid);
  }

  /**
   * The digest of the content `target` was verified to hold, when the watched `currentVersion` is
   * still the version of that verification; undefined otherwise (the Secret must be read).
   */
  digestAt(es: ExternalSecret, target: string, currentVersion: string | undefined): string | undefined {
    const uid = es.metadata.uid;
    if (uid === undefined || currentVersion === undefined || currentVersion === "") return undefined;
    const v = this.#byUid.get(uid);
    return v?.target === target && v.resourceVersion === currentVersion ? v.digest : undefined;
  }

  /** Entries held (for tests). */
  get size(): number {
    return this.#byUid.size;
  }
}
