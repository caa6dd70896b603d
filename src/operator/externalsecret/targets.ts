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

/**
 * An index of ExternalSecret keys by target Secret key, kept current from ExternalSecret changes.
 * Kept small, as it holds an entry per ExternalSecret: almost every Secret has one writer, so an
 * entry is that writer's key (a list only when several write one Secret), and an ExternalSecret
 * writing the Secret of its own name (the default) is indexed under its own key string. At 10,000
 * ExternalSecrets a Set per Secret and two fresh key strings per entry were 4.1 MB of live heap.
 */
export class TargetIndex {
  readonly #byTarget = new Map<ObjectKey, ObjectKey | ObjectKey[]>();
  /** Only the ExternalSecrets whose target is not their own `namespace/name`. */
  readonly #otherTarget = new Map<ObjectKey, ObjectKey>();

  /** Applies one ExternalSecret change (initial list included); `key` is the informer's, when given. */
  apply(change: Pick<Change, "type" | "object"> & { readonly key?: ObjectKey }): void {
    const es = change.object;
    const name = es.metadata?.name;
    if (name === undefined || name === "") return;
    const key = change.key ?? objectKey(es.metadata?.namespace, name);
    this.#remove(key);
    if (change.type === "deleted") return;
    const target = targetKeyOf(es);
    if (target === undefined) return;
    if (target === key) {
      this.#add(key, key);
      return;
    }
    this.#otherTarget.set(key, target);
    this.#add(target, key);
  }

  #add(target: ObjectKey, key: ObjectKey): void {
    const writers = this.#byTarget.get(target);
    if (writers === undefined) this.#byTarget.set(target, key);
    else if (typeof writers === "string") {
      if (writers !== key) this.#byTarget.set(target, [writers, key]);
    } else if (!writers.includes(key)) writers.push(key);
  }

  #remove(key: ObjectKey): void {
    const target = this.#otherTarget.get(key) ?? key;
    this.#otherTarget.delete(key);
    const writers = this.#byTarget.get(target);
    if (writers === key) this.#byTarget.delete(target);
    else if (Array.isArray(writers)) {
      const rest = writers.filter((w) => w !== key);
      const [only] = rest;
      if (rest.length === 0) this.#byTarget.delete(target);
      else this.#byTarget.set(target, rest.length === 1 && only !== undefined ? only : rest);
    }
  }

  /** The ExternalSecrets writing Secret `namespace/name`, sorted. */
  writersOf(namespace: string | undefined, name: string): ObjectKey[] {
    const writers = this.#byTarget.get(objectKey(namespace, name));
    if (writers === undefined) return [];
    return typeof writers === "string" ? [writers] : [...writers].sort();
  }

  /** The ExternalSecrets to re-queue for a Secret change: none unless the Secret is managed. */
  keysForSecret(change: Pick<Change, "object">): ObjectKey[] {
    const s = change.object;
    const name = s.metadata?.name;
    if (name === undefined || !isManagedSecret(s)) return [];
    return this.writersOf(s.metadata?.namespace, name);
  }
}
