/**
 * Rollout-restart decisions, pure (time is an argument): which workloads ask for a Secret, what each
 * workload last ran with, and when a Secret's content change should restart it.
 *
 * A workload asks for Secret `s` (same namespace) when
 * - it carries `reloader.stakater.com/auto: "true"` and its pod template references `s` in env
 *   (`secretKeyRef`), envFrom (`secretRef`), a `secret` volume or a `projected` volume source; or
 * - `secret.reloader.stakater.com/reload` lists `s` (comma separated, spaces ignored); or
 * - the kseal resource that writes `s` lists it as a target `{ kind, name }`.
 *
 * What a workload runs with is recorded on the workload, so it outlives the operator process: its
 * annotation {@link SECRET_DIGESTS_ANNOTATION} holds one fingerprint per kseal-managed Secret it asks
 * for. The baseline of a (workload, Secret) pair is that record; only where the workload has no entry
 * for the Secret is it the Secret's previous report in this process ({@link decidePair}):
 * - no entry and no earlier report — the Secret's first sync, a workload created or newly annotated,
 *   or every asking workload once after an upgrade to this version: adopt (record the current
 *   fingerprint), restart nothing;
 * - the entry equals the current fingerprint: nothing, and nothing is written — an operator that
 *   restarts with nothing changed writes nothing;
 * - otherwise: restart. A change missed while no kseal was leading (the operator down, a restart
 *   still inside its debounce window when the leader died, a standby taking over) differs from the
 *   record at the next start's first report, and restarts then.
 *
 * Debounce: the first change of a Secret schedules a restart of each such workload `debounceMs`
 * later; further changes before that moment join the same restart (their reasons are merged). The
 * window is not extended, so a Secret that keeps changing still restarts its workloads once per
 * window. The restart writes the record of the content current at that moment.
 */
import { createHash } from "node:crypto";

export const AUTO_ANNOTATION = "reloader.stakater.com/auto";
export const RELOAD_ANNOTATION = "secret.reloader.stakater.com/reload";
/** Pod-template annotation kseal bumps to roll a workload. */
export const RESTARTED_AT_ANNOTATION = "kseal.dev/restartedAt";
/** Pod-template annotation saying which Secrets caused the last restart (names only). */
export const RESTART_REASON_ANNOTATION = "kseal.dev/restartReason";
/**
 * Workload annotation recording the content of each kseal-managed Secret the workload last
 * restarted with or was adopted at (format: {@link formatDigests}).
 *
 * On the workload's own metadata, not its pod template: any write to the pod template rolls the
 * pods, so recording there at first sight would restart every asking workload once (Stakater
 * Reloader's env-var strategy does exactly that with `--reload-on-create --sync-after-restart`: it
 * adds `STAKATER_<NAME>_SECRET` to a container, which is a rollout). A metadata write restarts
 * nothing: the pod template, hence the ReplicaSet and the pods, stays as it is (a Deployment's
 * generation still moves, as the API server bumps it on annotation changes, which the deployment
 * controller copies to the current ReplicaSet). A restart writes it in the same patch as the
 * pod-template bump.
 */
export const SECRET_DIGESTS_ANNOTATION = "kseal.dev/secretDigests";

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

const DIGESTS_VERSION = "v1:";
const FINGERPRINT = /^[A-Za-z0-9_-]{22}$/;

/**
 * The fingerprint kept in {@link SECRET_DIGESTS_ANNOTATION} for a writer's digest: the first 128 bits
 * of SHA-256 over it, base64url (22 characters). Writers report keyed digests (an HMAC under a
 * cluster-held key), so the fingerprint reveals nothing about the data without that key; it only
 * makes every writer's digest the same small size.
 */
export function fingerprint(digest: string): string {
  return createHash("sha256").update(digest).digest("base64url").slice(0, 22);
}

/**
 * The annotation value of a record: `v1:` then `name=fingerprint` per Secret, sorted by name,
 * comma separated (Secret names never contain `=` or `,`). Undefined for an empty record.
 */
export function formatDigests(record: ReadonlyMap<string, string>): string | undefined {
  if (record.size === 0) return undefined;
  return DIGESTS_VERSION + [...record.keys()].sort().map((name) => `${name}=${record.get(name) ?? ""}`).join(",");
}

/**
 * Parses {@link formatDigests}' output. An absent, foreign or unreadable value is an empty record
 * (its workload is adopted, not restarted); malformed entries are skipped, so their Secrets are too.
 */
export function parseDigests(value: string | undefined): Map<string, string> {
  const record = new Map<string, string>();
  if (value?.startsWith(DIGESTS_VERSION) !== true) return record;
  for (const entry of value.slice(DIGESTS_VERSION.length).split(",")) {
    const eq = entry.indexOf("=");
    const fp = entry.slice(eq + 1);
    if (eq > 0 && FINGERPRINT.test(fp)) record.set(entry.slice(0, eq), fp);
  }
  return record;
}

/** What a (workload, Secret) pair needs: nothing, its record written (adopt), or a restart. */
export type PairDecision = "none" | "adopt" | "restart";

/**
 * The decision for one workload and one Secret whose content is now `current`: `recorded` is the
 * workload's entry for the Secret, `previous` the Secret's previous report in this process (both
 * may be absent). The record is the baseline; the previous report stands in only where the
 * workload has no entry, so a change this process saw is not missed for want of one.
 */
export function decidePair(recorded: string | undefined, current: string, previous: string | undefined): PairDecision {
  if (recorded === current) return "none";
  const baseline = recorded ?? previous;
  return baseline === undefined || baseline === current ? "adopt" : "restart";
}

/** Names of the Secrets a workload asks for by annotation (explicit list, or `auto` + referenced). */
export function secretsAskedBy(workload: Workload): Set<string> {
  const ann = workload.metadata?.annotations ?? {};
  const names = new Set((ann[RELOAD_ANNOTATION] ?? "").split(",").map((s) => s.trim()).filter((s) => s !== ""));
  if (ann[AUTO_ANNOTATION]?.trim().toLowerCase() === "true") for (const n of referencedSecrets(workload.spec?.template?.spec)) names.add(n);
  return names;
}

/** A workload as the planner needs it: its key and its record annotation's value. */
export interface WorkloadView {
  readonly key: string;
  readonly digests: string | undefined;
}

/** What one Secret observation means. */
export interface Observation {
  /** Against this process's previous report of the Secret: `first` when there was none. */
  readonly kind: "first" | "unchanged" | "changed";
  /** Workloads newly given a restart deadline (already pending ones just gain a reason). */
  readonly scheduled: readonly { readonly key: string; readonly at: number }[];
  /** Workloads whose record gained the Secret without a restart (a record write follows). */
  readonly adopted: readonly string[];
}

/** What is due for one workload (see {@link RolloutPlanner.take}). */
export type Step =
  /** Restart now, because of `secrets` (sorted); write `digests` with it (undefined: remove it). */
  | { readonly kind: "restart"; readonly secrets: readonly string[]; readonly digests: string | undefined }
  /** Write the record alone; a restart is still pending at `next`, if given. */
  | { readonly kind: "record"; readonly digests: string | undefined; readonly next: number | undefined }
  | { readonly kind: "notYet"; readonly at: number };

interface Pending {
  at: number;
  readonly secrets: Set<string>;
}

/**
 * The rollout state of one leader: the current fingerprint of each reported Secret, each seen
 * workload's record (read from its annotation the first time, then kept here — this process is its
 * only writer while it leads), pending restarts, and records not yet written. {@link reset} on losing
 * the lead: the next leader rebuilds all of it from the workloads' records and the writers' reports.
 */
export class RolloutPlanner {
  readonly debounceMs: number;
  readonly #current = new Map<string, string>();
  /** Secret key → workload keys its writer lists as targets (kept so a record write keeps them). */
  readonly #targets = new Map<string, ReadonlySet<string>>();
  readonly #records = new Map<string, Map<string, string>>();
  readonly #pending = new Map<string, Pending>();
  readonly #unwritten = new Set<string>();

  constructor(options: { readonly debounceMs?: number } = {}) {
    this.debounceMs = options.debounceMs ?? 10_000;
  }

  /**
   * Records that Secret `namespace/name` now holds content `digest` (a writer's keyed digest) and
   * decides for each workload asking for it: adopt, nothing, or a restart `debounceMs` from `now`
   * (joining one already pending). `targets` are the workload keys the writer lists explicitly.
   */
  observe(
    namespace: string, name: string, digest: string, workloads: readonly WorkloadView[], now: number,
    targets: readonly string[] = [],
  ): Observation {
    const secretKey = `${namespace}/${name}`;
    const current = fingerprint(digest);
    const previous = this.#current.get(secretKey);
    this.#current.set(secretKey, current);
    if (targets.length > 0) this.#targets.set(secretKey, new Set(targets));
    else this.#targets.delete(secretKey);
    const scheduled: { key: string; at: number }[] = [];
    const adopted: string[] = [];
    for (const w of workloads) this.#decide(w, name, current, previous, now, scheduled, adopted);
    const kind = previous === undefined ? "first" : previous === current ? "unchanged" : "changed";
    return { kind, scheduled, adopted };
  }

  /**
   * A workload seen (created, edited, or found at start) asking for `secrets` (names in its
   * namespace): decides each one whose current content is known, as {@link observe} would.
   */
  workloadSeen(workload: WorkloadView, secrets: Iterable<string>, now: number): Observation {
    const ns = parseWorkloadKey(workload.key)?.namespace ?? "";
    const scheduled: { key: string; at: number }[] = [];
    const adopted: string[] = [];
    for (const name of secrets) {
      const current = this.#current.get(`${ns}/${name}`);
      if (current !== undefined) this.#decide(workload, name, current, current, now, scheduled, adopted);
    }
    return { kind: "unchanged", scheduled, adopted };
  }

  #decide(
    w: WorkloadView, secret: string, current: string, previous: string | undefined, now: number,
    scheduled: { key: string; at: number }[], adopted: string[],
  ): void {
    const record = this.#recordOf(w);
    switch (decidePair(record.get(secret), current, previous)) {
      case "none":
        return;
      case "adopt":
        record.set(secret, current);
        this.#unwritten.add(w.key);
        adopted.push(w.key);
        return;
      case "restart": {
        const p = this.#pending.get(w.key);
        if (p !== undefined) {
          p.secrets.add(secret);
          return;
        }
        const at = now + this.debounceMs;
        this.#pending.set(w.key, { at, secrets: new Set([secret]) });
        scheduled.push({ key: w.key, at });
      }
    }
  }

  #recordOf(w: WorkloadView): Map<string, string> {
    let record = this.#records.get(w.key);
    if (record === undefined) {
      record = parseDigests(w.digests);
      this.#records.set(w.key, record);
    }
    return record;
  }

  /** Secrets (names) whose writers list `workloadKey` as a target. */
  targetedSecrets(workloadKey: string): string[] {
    const names: string[] = [];
    for (const [secretKey, keys] of this.#targets) if (keys.has(workloadKey)) names.push(secretKey.slice(secretKey.indexOf("/") + 1));
    return names;
  }

  /** The workload's record as this process knows it (for tests and diagnostics). */
  recorded(workloadKey: string): ReadonlyMap<string, string> | undefined {
    return this.#records.get(workloadKey);
  }

  /** The pending restart deadline of a workload, if any. */
  deadline(workloadKey: string): number | undefined {
    return this.#pending.get(workloadKey)?.at;
  }

  /** Workload keys with a pending restart or an unwritten record. */
  keys(): string[] {
    return [...new Set([...this.#pending.keys(), ...this.#unwritten])];
  }

  /**
   * Takes what is due for `workloadKey` at `now` and clears it: a restart (its record updated to the
   * Secrets' current content), else an unwritten record, else `notYet`; undefined when nothing is
   * pending. `asks(secret)` says whether the workload still asks for a Secret by annotation: entries
   * it no longer asks for (nor is targeted by) are dropped from the record written.
   */
  take(workloadKey: string, now: number, asks: (secret: string) => boolean = () => true): Step | undefined {
    const p = this.#pending.get(workloadKey);
    const due = p !== undefined && p.at <= now;
    if (!due && !this.#unwritten.has(workloadKey)) return p === undefined ? undefined : { kind: "notYet", at: p.at };
    const ns = parseWorkloadKey(workloadKey)?.namespace ?? "";
    const record = this.#records.get(workloadKey) ?? new Map<string, string>();
    this.#records.set(workloadKey, record);
    this.#unwritten.delete(workloadKey);
    if (due) {
      this.#pending.delete(workloadKey);
      for (const s of p.secrets) {
        const current = this.#current.get(`${ns}/${s}`);
        if (current !== undefined) record.set(s, current);
      }
    }
    for (const s of [...record.keys()]) {
      if (!asks(s) && this.#targets.get(`${ns}/${s}`)?.has(workloadKey) !== true) record.delete(s);
    }
    const digests = formatDigests(record);
    if (due) return { kind: "restart", secrets: [...p.secrets].sort(), digests };
    return { kind: "record", digests, next: p?.at };
  }

  /** Puts back a step that could not be written: its record is unwritten again, a restart pending at `at`. */
  restore(workloadKey: string, step: Step, at: number): void {
    if (step.kind === "notYet") return;
    this.#unwritten.add(workloadKey);
    if (step.kind !== "restart") return;
    const p = this.#pending.get(workloadKey);
    if (p === undefined) this.#pending.set(workloadKey, { at, secrets: new Set(step.secrets) });
    else for (const s of step.secrets) p.secrets.add(s);
  }

  /**
   * Forgets a deleted Secret's current content. Workload records keep their entries: should it come
   * back with other content, its workloads restart (they run with the old values).
   */
  forgetSecret(namespace: string, name: string): void {
    this.#current.delete(`${namespace}/${name}`);
    this.#targets.delete(`${namespace}/${name}`);
  }

  /** Forgets a deleted workload (a re-created one is adopted afresh). */
  forgetWorkload(workloadKey: string): void {
    this.#records.delete(workloadKey);
    this.#pending.delete(workloadKey);
    this.#unwritten.delete(workloadKey);
  }

  /** Forgets everything (the lead is lost: another process may write the records now). */
  reset(): void {
    this.#current.clear();
    this.#targets.clear();
    this.#records.clear();
    this.#pending.clear();
    this.#unwritten.clear();
  }
}

type AnnotationPatch = Record<string, string | null>;

/**
 * The merge patch of one restart: the pod-template bump (a time and a names-only reason) and, in
 * the same write, the workload's record (`null` removes it).
 */
export function restartPatch(secrets: readonly string[], now: number, digests: string | undefined): {
  metadata: { annotations: AnnotationPatch };
  spec: { template: { metadata: { annotations: Record<string, string> } } };
} {
  const reason = `secret ${secrets.join(",")} changed`;
  return {
    ...recordPatch(digests),
    spec: { template: { metadata: { annotations: {
      [RESTARTED_AT_ANNOTATION]: new Date(now).toISOString(),
      [RESTART_REASON_ANNOTATION]: reason.length > 256 ? `${reason.slice(0, 253)}...` : reason,
    } } } },
  };
}

/** The merge patch that writes a workload's record alone (metadata only: no rollout). */
export function recordPatch(digests: string | undefined): { metadata: { annotations: AnnotationPatch } } {
  return { metadata: { annotations: { [SECRET_DIGESTS_ANNOTATION]: digests ?? null } } };
}
