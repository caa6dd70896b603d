/**
 * The rollout-restart controller's I/O: watches Deployments, StatefulSets and DaemonSets, takes
 * Secret content digests from the controllers that write Secrets (`secretChanged`), patches the
 * pod-template annotation of each workload that asked, once per debounce window, and keeps each
 * workload's record of what it runs with (`kseal.dev/secretDigests`, see decide.ts) current.
 * Decisions are in `decide.ts`; timing lives in one {@link WorkQueue} (its heap timer), keyed
 * `Kind/ns/name`.
 */
import {
  DAEMONSETS, DEPLOYMENTS, Informer, STATEFULSETS, WorkQueue, httpSource, isNotFound, objectKey, systemClock,
  type Change, type Clock, type ControllerLog, type EventRecorder, type KubeHttp, type KubeObject, type ResourceType,
  type WorkQueueOptions,
} from "../../kube/index.ts";
import { KsealError } from "../../errors.ts";
import {
  RolloutPlanner, SECRET_DIGESTS_ANNOTATION, asksForSecret, parseWorkloadKey, recordPatch, restartPatch, secretsAskedBy,
  workloadKey, workloadsFor, type Observation, type RolloutTarget, type Workload, type WorkloadKind, type WorkloadView,
} from "./decide.ts";

const RESOURCES: Readonly<Record<WorkloadKind, ResourceType>> = {
  Deployment: DEPLOYMENTS,
  StatefulSet: STATEFULSETS,
  DaemonSet: DAEMONSETS,
};

/** A Secret kseal manages, as its writer reports it after a sync. */
export interface SecretChange {
  readonly namespace: string;
  readonly name: string;
  /**
   * A keyed digest of the Secret's data, stable across operator processes (the ExternalSecret HMAC
   * annotation, or `secretDataDigest` under the cluster-held key) — never the data, never unkeyed.
   */
  readonly hash: string;
  /** Workloads listed on the kseal resource itself, in the Secret's namespace. */
  readonly targets?: readonly RolloutTarget[];
}

export interface RolloutControllerOptions {
  readonly http: KubeHttp;
  /** Default 10 s. */
  readonly debounceMs?: number;
  /** Watch only this namespace; default all. */
  readonly namespace?: string;
  readonly clock?: Clock;
  readonly log?: ControllerLog;
  readonly events?: EventRecorder;
  readonly queue?: WorkQueueOptions;
  /** Field manager of the patch. Default `kseal`. */
  readonly fieldManager?: string;
}

export class RolloutController {
  readonly planner: RolloutPlanner;
  readonly informers: Readonly<Record<WorkloadKind, Informer>>;
  readonly #o: RolloutControllerOptions;
  readonly #clock: Clock;
  #queue: WorkQueue;
  #started = false;
  #unsubscribe: (() => void)[] = [];
  /** Reports taken before {@link start}, the latest per Secret. */
  readonly #early = new Map<string, SecretChange>();
  /** Restarts written (for tests and metrics). */
  restarts = 0;
  /** Record-only writes (adoptions), for tests and metrics. */
  recordWrites = 0;

  constructor(options: RolloutControllerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.planner = new RolloutPlanner(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs });
    const inf = (kind: WorkloadKind): Informer => {
      const i = new Informer({
        name: RESOURCES[kind].plural,
        source: httpSource(options.http, RESOURCES[kind], { namespace: options.namespace }),
        clock: this.#clock,
        // Every Secret report looks at its namespace's workloads only.
        indexNamespaces: true,
        ...(options.log === undefined ? {} : { log: options.log }),
      });
      i.onChange((c) => {
        if (c.type === "deleted") this.planner.forgetWorkload(workloadKey(kind, c.object.metadata?.namespace ?? "", c.object.metadata?.name ?? ""));
      });
      return i;
    };
    this.informers = { Deployment: inf("Deployment"), StatefulSet: inf("StatefulSet"), DaemonSet: inf("DaemonSet") };
    this.#queue = this.#newQueue();
  }

  #newQueue(): WorkQueue {
    return new WorkQueue({ clock: this.#clock, ...this.#o.queue });
  }

  /** Runs the three workload informers until `signal` aborts (on every replica, leader or not). */
  async runInformers(signal: AbortSignal): Promise<void> {
    await Promise.all(Object.values(this.informers).map((i) => i.run(signal)));
  }

  /** True once every workload informer has listed. */
  hasSynced(): boolean {
    return Object.values(this.informers).every((i) => i.hasSynced());
  }

  /** True between {@link start} and {@link stop}. */
  get started(): boolean {
    return this.#started;
  }

  /**
   * Starts writing (call when leading, once the workload informers have synced): the reports taken
   * since the last stop are decided, and every workload cached, created or edited from now on is
   * checked against the Secrets reported so far.
   */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    if (this.#queue.shuttingDown) this.#queue = this.#newQueue();
    for (const kind of Object.keys(RESOURCES) as WorkloadKind[]) {
      this.#unsubscribe.push(this.informers[kind].onChange((c: Change) => {
        if (c.type !== "deleted") this.#workloadSeen(kind, c.object);
      }));
      for (const o of this.informers[kind].list()) this.#workloadSeen(kind, o);
    }
    this.secretsChanged(this.#early.values());
    this.#early.clear();
    this.#queue.start((key) => this.#handle(key));
  }

  /**
   * Stops writing; a write in flight finishes. Everything in memory is forgotten: pending restarts
   * and unwritten records are rebuilt by the next start (here or in another replica) from the
   * workloads' records and the writers' reports, which come again when their controllers start.
   * (Kept, they could be stale by then: another leader may have written.) Stop the writers first,
   * so that none of their reports is kept for the next start.
   */
  async stop(): Promise<void> {
    for (const u of this.#unsubscribe) u();
    this.#unsubscribe = [];
    const pending = this.#queue;
    this.#started = false;
    await pending.shutDown();
    this.#queue = this.#newQueue();
    this.planner.reset();
    this.#early.clear();
  }

  /**
   * Reports the current content digest of a managed Secret: workloads that ask for it and have no
   * record of it are adopted (their record written, no restart); those whose record differs are
   * restarted, debounced. Before {@link start}, it is kept (the latest per Secret) and decided
   * when the controller starts; undefined then.
   */
  secretChanged(change: SecretChange): Observation | undefined {
    if (!this.#started) {
      this.#early.set(`${change.namespace}/${change.name}`, change);
      return undefined;
    }
    return this.#observe(change, this.#workloadsIn(change.namespace));
  }

  /** {@link secretChanged} for many Secrets (e.g. every managed Secret at start), one workload list per namespace. */
  secretsChanged(changes: Iterable<SecretChange>): void {
    if (!this.#started) {
      for (const c of changes) this.secretChanged(c);
      return;
    }
    const byNamespace = new Map<string, Workload[]>();
    for (const c of changes) {
      let workloads = byNamespace.get(c.namespace);
      if (workloads === undefined) byNamespace.set(c.namespace, workloads = this.#workloadsIn(c.namespace));
      this.#observe(c, workloads);
    }
  }

  /** Forgets a deleted Secret's content (workload records keep theirs, see RolloutPlanner.forgetSecret). */
  secretDeleted(namespace: string, name: string): void {
    this.#early.delete(`${namespace}/${name}`);
    this.planner.forgetSecret(namespace, name);
  }

  /**
   * The cached workloads of `namespace`, each with its kind. A report costs what its namespace holds
   * (the informers' namespace index), not a scan of every workload.
   */
  #workloadsIn(namespace: string): Workload[] {
    const all: Workload[] = [];
    for (const kind of Object.keys(RESOURCES) as WorkloadKind[]) {
      for (const o of this.informers[kind].listNamespace(namespace)) all.push({ ...(o as Omit<Workload, "kind">), kind });
    }
    return all;
  }

  #view(key: string): WorkloadView {
    const ref = parseWorkloadKey(key);
    const o = ref === undefined ? undefined : this.informers[ref.kind].get(objectKey(ref.namespace, ref.name));
    return { key, digests: o?.metadata?.annotations?.[SECRET_DIGESTS_ANNOTATION] };
  }

  #observe(change: SecretChange, workloads: readonly Workload[]): Observation {
    const targets = (change.targets ?? []).map((t) => workloadKey(t.kind, change.namespace, t.name));
    const keys = workloadsFor(change.namespace, change.name, workloads, change.targets ?? []);
    const obs = this.planner.observe(change.namespace, change.name, change.hash, keys.map((k) => this.#view(k)), this.#clock.now(), targets);
    this.#follow(obs);
    return obs;
  }

  #workloadSeen(kind: WorkloadKind, o: KubeObject): void {
    const ns = o.metadata?.namespace ?? "";
    const key = workloadKey(kind, ns, o.metadata?.name ?? "");
    const names = secretsAskedBy({ ...(o as Omit<Workload, "kind">), kind });
    for (const n of this.planner.targetedSecrets(key)) names.add(n);
    if (names.size === 0) return;
    this.#follow(this.planner.workloadSeen({ key, digests: o.metadata?.annotations?.[SECRET_DIGESTS_ANNOTATION] }, names, this.#clock.now()));
  }

  #follow(obs: Observation): void {
    for (const key of obs.adopted) this.#queue.add(key, "high");
    for (const s of obs.scheduled) this.#arm(s.key);
  }

  #arm(key: string): void {
    const at = this.planner.deadline(key);
    if (at !== undefined) this.#queue.addAfter(key, at - this.#clock.now(), { lane: "high" });
  }

  async #handle(key: string): Promise<void> {
    const now = this.#clock.now();
    const ref = parseWorkloadKey(key);
    if (ref === undefined) return;
    const cached = this.informers[ref.kind].get(objectKey(ref.namespace, ref.name));
    const workload = cached === undefined ? undefined : { ...(cached as Omit<Workload, "kind">), kind: ref.kind };
    // A workload not (yet) in the cache keeps every entry: nothing says it stopped asking.
    const step = this.planner.take(key, now, (secret) => workload === undefined || asksForSecret(workload, secret));
    if (step === undefined) return;
    if (step.kind === "notYet") {
      this.#queue.addAfter(key, step.at - now, { lane: "high" });
      return;
    }
    try {
      const patch = step.kind === "restart" ? restartPatch(step.secrets, now, step.digests) : recordPatch(step.digests);
      await this.#o.http.mergePatch(RESOURCES[ref.kind], ref.namespace, ref.name, patch, { fieldManager: this.#o.fieldManager ?? "kseal" });
      this.#queue.forget(key);
      if (step.kind === "record") {
        this.recordWrites++;
        this.#o.log?.debug({ workload: key }, "rollout: recorded the Secrets a workload runs with");
        if (step.next !== undefined) this.#queue.addAfter(key, step.next - now, { lane: "high" });
        return;
      }
      this.restarts++;
      this.#o.log?.info({ workload: key, secrets: step.secrets }, "rollout restart");
      this.#o.events?.record(
        { apiVersion: "apps/v1", kind: ref.kind, namespace: ref.namespace, name: ref.name },
        "Normal", "RolloutRestart", `restarted because secret ${step.secrets.join(",")} changed`, "Restart",
      );
    } catch (e: unknown) {
      if (isNotFound(e)) {
        this.planner.forgetWorkload(key); // the workload is gone: nothing to restart or record
        return;
      }
      this.planner.restore(key, step, now);
      const delay = this.#queue.addRateLimited(key);
      this.#o.log?.warn({ workload: key, code: e instanceof KsealError ? e.code : "unknown", retryInMs: delay }, "rollout write failed");
    }
  }

  /** Objects of one kind from the cache (for callers that need them, e.g. diagnostics). */
  workloads(kind: WorkloadKind): KubeObject[] {
    return this.informers[kind].list();
  }
}
