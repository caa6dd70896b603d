/**
 * Which ExternalSecrets write a given Secret: an index by target Secret (`namespace/name`, the
 * target name defaulting to the ExternalSecret's), as ESO's `.metadata.targetSecretName` field index.
 *
 * Owner references only exist under creationPolicy Owner, so a change to the Secret of an Orphan,
 * Merge or CreateOrMerge ExternalSecret is mapped back through this index. As in ESO, only Secrets
 * labelled `reconcile.external-secrets.io/managed: "true"` count (kseal also accepts its own
 * managed-keys annotation, which every Secret it has written carries). Whether the re-queued
 * ExternalSecret then repairs the Secret is plan.ts's decision: Owner, Merge and CreateOrMerge are
 * repaired at once, Orphan waits for its next refresh (ESO's isSecretValid).
 */
import { objectKey, type ObjectKey } from "../../kube/outcome.ts";
import type { Change } from "../../kube/watch.ts";
import type { KubeObject } from "../../kube/client.ts";
import { ANNOTATION_MANAGED_KEYS } from "./plan.ts";
import { LABEL_MANAGED } from "./types.ts";

/** The target Secret key of a raw ExternalSecret: `namespace/(spec.target.name || metadata.name)`. */
export function targetKeyOf(es: KubeObject): ObjectKey | undefined {
  const name = es.metadata?.name;
  if (name === undefined || name === "") return undefined;
  const target = (es as { spec?: { target?: { name?: unknown } } }).spec?.target?.name;
  return objectKey(es.metadata?.namespace, typeof target === "string" && target !== "" ? target : name);
}

/** Does this Secret carry the marks of an ExternalSecret-managed Secret? */
export function isManagedSecret(secret: KubeObject): boolean {
  return secret.metadata?.labels?.[LABEL_MANAGED] === "true" || secret.metadata?.annotations?.[ANNOTATION_MANAGED_KEYS] !== undefined;
}

/** An index of ExternalSecret keys by target Secret key, kept current from ExternalSecret changes. */
export class TargetIndex {
  readonly #byTarget = new Map<ObjectKey, Set<ObjectKey>>();
  readonly #targetOf = new Map<ObjectKey, ObjectKey>();

  /** Applies one ExternalSecret change (initial list included). */
  apply(change: Pick<Change, "type" | "object">): void {
    const es = change.object;
    const name = es.metadata?.name;
    if (name === undefined || name === "") return;
    const key = objectKey(es.metadata?.namespace, name);
    this.#remove(key);
    if (change.type === "deleted") return;
    const target = targetKeyOf(es);
    if (target === undefined) return;
    this.#targetOf.set(key, target);
    let set = this.#byTarget.get(target);
    if (set === undefined) {
      set = new Set();
      this.#byTarget.set(target, set);
    }
    set.add(key);
  }

  #remove(key: ObjectKey): void {
    const old = this.#targetOf.get(key);
    if (old === undefined) return;
    this.#targetOf.delete(key);
    const set = this.#byTarget.get(old);
    set?.delete(key);
    if (set?.size === 0) this.#byTarget.delete(old);
  }

  /** The ExternalSecrets writing Secret `namespace/name`, sorted. */
  writersOf(namespace: string | undefined, name: string): ObjectKey[] {
    return [...(this.#byTarget.get(objectKey(namespace, name)) ?? [])].sort();
  }

  /** The ExternalSecrets to re-queue for a Secret change: none unless the Secret is managed. */
  keysForSecret(change: Pick<Change, "object">): ObjectKey[] {
    const s = change.object;
    const name = s.metadata?.name;
    if (name === undefined || !isManagedSecret(s)) return [];
    return this.writersOf(s.metadata?.namespace, name);
  }
}
