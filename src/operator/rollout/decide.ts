/**
 * Rollout-restart decisions, pure (time is an argument): which workloads ask for a Secret, and when
 * a Secret's content change should restart them.
 *
 * A workload asks for Secret `s` (same namespace) when
 * - it carries `reloader.stakater.com/auto: "true"` and its pod template references `s` in env
 *   (`secretKeyRef`), envFrom (`secretRef`), a `secret` volume or a `projected` volume source; or
 * - `secret.reloader.stakater.com/reload` lists `s` (comma separated, spaces ignored); or
 * - the kseal resource that writes `s` lists it as a target `{ kind, name }`.
 *
 * Debounce: the first change of a Secret after it was first seen schedules a restart of each such
 * workload `debounceMs` later; further changes before that moment join the same restart (their
 * reasons are merged). The window is not extended, so a Secret that keeps changing still restarts
 * its workloads once per window. The first observation of a Secret (its first sync, or the first
 * sight after an operator restart) restarts nothing.
 */

export const AUTO_ANNOTATION = "reloader.stakater.com/auto";
export const RELOAD_ANNOTATION = "secret.reloader.stakater.com/reload";
/** Pod-template annotation kseal bumps to roll a workload. */
export const RESTARTED_AT_ANNOTATION = "kseal.dev/restartedAt";
/** Pod-template annotation saying which Secrets caused the last restart (names only). */
export const RESTART_REASON_ANNOTATION = "kseal.dev/restartReason";

export const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet"] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/** A workload listed as a restart target on a kseal resource; same namespace as the Secret. */
export interface RolloutTarget {
  readonly kind: WorkloadKind;
  readonly name: string;
}

/** The slice of a Deployment/StatefulSet/DaemonSet these decisions read. */
export interface Workload {
  readonly kind: WorkloadKind;
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly annotations?: Readonly<Record<string, string>> };
  readonly spec?: { readonly template?: { readonly spec?: PodSpec } };
}

interface EnvVar { readonly valueFrom?: { readonly secretKeyRef?: { readonly name?: string } } }
interface Container {
  readonly env?: readonly EnvVar[];
  readonly envFrom?: readonly { readonly secretRef?: { readonly name?: string } }[];
}
interface Volume {
  readonly secret?: { readonly secretName?: string };
  readonly projected?: { readonly sources?: readonly { readonly secret?: { readonly name?: string } }[] };
}
export interface PodSpec {
  readonly containers?: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly ephemeralContainers?: readonly Container[];
  readonly volumes?: readonly Volume[];
}

/** Names of the Secrets a pod spec references (env, envFrom, secret and projected volumes). */
export function referencedSecrets(pod: PodSpec | undefined): Set<string> {
  const names = new Set<string>();
  const add = (n: string | undefined): void => {
    if (n !== undefined && n !== "") names.add(n);
  };
  for (const c of [...(pod?.containers ?? []), ...(pod?.initContainers ?? []), ...(pod?.ephemeralContainers ?? [])]) {
    for (const e of c.env ?? []) add(e.valueFrom?.secretKeyRef?.name);
    for (const e of c.envFrom ?? []) add(e.secretRef?.name);
  }
  for (const v of pod?.volumes ?? []) {
    add(v.secret?.secretName);
    for (const s of v.projected?.sources ?? []) add(s.secret?.name);
  }
  return names;
}

/** Whether `workload` asks, by annotation, to be restarted when Secret `secretName` changes. */
export function asksForSecret(workload: Workload, secretName: string): boolean {
  const ann = workload.metadata?.annotations ?? {};
  const listed = (ann[RELOAD_ANNOTATION] ?? "").split(",").map((s) => s.trim());
  if (listed.includes(secretName)) return true;
  return ann[AUTO_ANNOTATION]?.trim().toLowerCase() === "true" && referencedSecrets(workload.spec?.template?.spec).has(secretName);
}

/** A workload's queue key: `Kind/namespace/name`. */
export function workloadKey(kind: WorkloadKind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

export function parseWorkloadKey(key: string): { kind: WorkloadKind; namespace: string; name: string } | undefined {
  const [kind, namespace, name, ...rest] = key.split("/");
  if (rest.length > 0 || namespace === undefined || name === undefined) return undefined;
  const k = WORKLOAD_KINDS.find((w) => w === kind);
  return k === undefined ? undefined : { kind: k, namespace, name };
}

/**
 * Keys of the workloads in `namespace` to restart for Secret `secretName`: those asking by
 * annotation plus the explicit `targets` (deduplicated, sorted).
 */
export function workloadsFor(
  namespace: string, secretName: string, workloads: Iterable<Workload>, targets: readonly RolloutTarget[] = [],
): string[] {
  const keys = new Set<string>();
  for (const w of workloads) {
    const ns = w.metadata?.namespace;
    const name = w.metadata?.name;
    if (ns !== namespace || name === undefined) continue;
    if (asksForSecret(w, secretName)) keys.add(workloadKey(w.kind, ns, name));
  }
  for (const t of targets) keys.add(workloadKey(t.kind, namespace, t.name));
  return [...keys].sort();
}

/** What one Secret observation means. */
export type Observation =
  | { readonly kind: "first" }
  | { readonly kind: "unchanged" }
  /** `scheduled`: workloads newly given a restart deadline (already pending ones just gain a reason). */
  | { readonly kind: "changed"; readonly scheduled: readonly { readonly key: string; readonly at: number }[] };

interface Pending {
  at: number;
  readonly secrets: Set<string>;
}

/**
 * The debounce state: last content hash per Secret and pending restarts per workload. Hashes are
 * opaque (callers pass a keyed HMAC of the data, never the data).
 */
export class RolloutPlanner {
  readonly debounceMs: number;
  readonly #hashes = new Map<string, string>();
  readonly #pending = new Map<string, Pending>();

  constructor(options: { readonly debounceMs?: number } = {}) {
    this.debounceMs = options.debounceMs ?? 10_000;
  }

  /**
   * Records Secret `namespace/name` with content `hash` at `now`; when the content changed since it
   * was last seen, gives each of `workloadKeys` a restart deadline (unless one is pending).
   */
  observe(namespace: string, name: string, hash: string, workloadKeys: readonly string[], now: number): Observation {
    const secretKey = `${namespace}/${name}`;
    const previous = this.#hashes.get(secretKey);
    this.#hashes.set(secretKey, hash);
    if (previous === undefined) return { kind: "first" };
    if (previous === hash) return { kind: "unchanged" };
    const scheduled: { key: string; at: number }[] = [];
    for (const key of workloadKeys) {
      const p = this.#pending.get(key);
      if (p === undefined) {
        const at = now + this.debounceMs;
        this.#pending.set(key, { at, secrets: new Set([name]) });
        scheduled.push({ key, at });
      } else {
        p.secrets.add(name);
      }
    }
    return { kind: "changed", scheduled };
  }

  /** Workload keys with a pending restart. */
  pendingKeys(): string[] {
    return [...this.#pending.keys()];
  }

  /** The pending deadline of a workload, if any. */
  deadline(workloadKey: string): number | undefined {
    return this.#pending.get(workloadKey)?.at;
  }

  /**
   * Takes the restart of `workloadKey` if it is due at `now`: returns the sorted Secret names that
   * caused it and clears it. Undefined when nothing is pending; `{ notYet: at }` when early.
   */
  take(workloadKey: string, now: number): { secrets: string[] } | { notYet: number } | undefined {
    const p = this.#pending.get(workloadKey);
    if (p === undefined) return undefined;
    if (p.at > now) return { notYet: p.at };
    this.#pending.delete(workloadKey);
    return { secrets: [...p.secrets].sort() };
  }

  /** Puts back a restart that could not be written, due at `at`. */
  restore(workloadKey: string, secrets: readonly string[], at: number): void {
    const p = this.#pending.get(workloadKey);
    if (p === undefined) this.#pending.set(workloadKey, { at, secrets: new Set(secrets) });
    else for (const s of secrets) p.secrets.add(s);
  }

  /** Forgets a deleted Secret, so a later re-creation counts as a first sync. */
  forgetSecret(namespace: string, name: string): void {
    this.#hashes.delete(`${namespace}/${name}`);
  }
}

/** The pod-template annotation patch of one restart (names only in the reason). */
export function restartPatch(secrets: readonly string[], now: number): {
  spec: { template: { metadata: { annotations: Record<string, string> } } };
} {
  const reason = `secret ${secrets.join(",")} changed`;
  return {
    spec: { template: { metadata: { annotations: {
      [RESTARTED_AT_ANNOTATION]: new Date(now).toISOString(),
      [RESTART_REASON_ANNOTATION]: reason.length > 256 ? `${reason.slice(0, 253)}...` : reason,
    } } } },
  };
}
