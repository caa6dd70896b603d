/**
 * The rollout-restart controller's I/O: watches Deployments, StatefulSets and DaemonSets, takes
 * Secret content changes from the controllers that write Secrets (`secretChanged`), and patches
 * the pod-template annotation of each workload that asked, once per debounce window. Decisions are
 * in `decide.ts`; timing lives in one {@link WorkQueue} (its heap timer), keyed `Kind/ns/name`.
 */
import {
  DAEMONSETS, DEPLOYMENTS, Informer, STATEFULSETS, WorkQueue, httpSource, isNotFound, systemClock,
  type Clock, type ControllerLog, type EventRecorder, type KubeHttp, type KubeObject, type ResourceType,
  type WorkQueueOptions,
} from "../../kube/index.ts";
import { KsealError } from "../../errors.ts";
import {
  RolloutPlanner, parseWorkloadKey, restartPatch, workloadsFor,
  type Observation, type RolloutTarget, type Workload, type WorkloadKind,
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
  /** An opaque digest of the Secret's data (e.g. the keyed HMAC), never the data. */
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
  /** Restarts written (for tests and metrics). */
  restarts = 0;

  constructor(options: RolloutControllerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.planner = new RolloutPlanner(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs });
    const inf = (kind: WorkloadKind): Informer => new Informer({
      name: RESOURCES[kind].plural,
      source: httpSource(options.http, RESOURCES[kind], { namespace: options.namespace }),
      clock: this.#clock,
      ...(options.log === undefined ? {} : { log: options.log }),
    });
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

  /** Starts writing restarts (call when leading). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    if (this.#queue.shuttingDown) this.#queue = this.#newQueue();
    this.#queue.start((key) => this.#handle(key));
  }

  /** Stops writing; a restart being written finishes. Pending restarts are kept for the next start. */
  async stop(): Promise<void> {
    const pending = this.#queue;
    this.#started = false;
    await pending.shutDown();
    this.#queue = this.#newQueue();
    // Deadlines live in the planner; re-arm them on the fresh queue.
    for (const key of this.planner.pendingKeys()) this.#arm(key);
  }

  /**
   * Reports the current content digest of a managed Secret. The first report of a Secret restarts
   * nothing; a changed digest schedules restarts of the workloads that ask for it.
   */
  secretChanged(change: SecretChange): Observation {
    const workloads: Workload[] = [];
    for (const kind of Object.keys(RESOURCES) as WorkloadKind[]) {
      for (const o of this.informers[kind].list()) {
        if (o.metadata?.namespace === change.namespace) workloads.push({ ...(o as Omit<Workload, "kind">), kind });
      }
    }
    const keys = workloadsFor(change.namespace, change.name, workloads, change.targets ?? []);
    const obs = this.planner.observe(change.namespace, change.name, change.hash, keys, this.#clock.now());
    if (obs.kind === "changed") for (const s of obs.scheduled) this.#arm(s.key);
    return obs;
  }

  /** Forgets a deleted Secret so its re-creation is a first sync again. */
  secretDeleted(namespace: string, name: string): void {
    this.planner.forgetSecret(namespace, name);
  }

  #arm(key: string): void {
    const at = this.planner.deadline(key);
    if (at !== undefined) this.#queue.addAfter(key, at - this.#clock.now(), { lane: "high" });
  }

  async #handle(key: string): Promise<void> {
    const now = this.#clock.now();
    const due = this.planner.take(key, now);
    if (due === undefined) return;
    if ("notYet" in due) {
      this.#queue.addAfter(key, due.notYet - now, { lane: "high" });
      return;
    }
    const ref = parseWorkloadKey(key);
    if (ref === undefined) return;
    try {
      await this.#o.http.mergePatch(RESOURCES[ref.kind], ref.namespace, ref.name, restartPatch(due.secrets, now), {
        fieldManager: this.#o.fieldManager ?? "kseal",
      });
      this.restarts++;
      this.#queue.forget(key);
      this.#o.log?.info({ workload: key, secrets: due.secrets }, "rollout restart");
      this.#o.events?.record(
        { apiVersion: "apps/v1", kind: ref.kind, namespace: ref.namespace, name: ref.name },
        "Normal", "RolloutRestart", `restarted because secret ${due.secrets.join(",")} changed`, "Restart",
      );
    } catch (e: unknown) {
      if (isNotFound(e)) return; // the workload is gone: nothing to restart
      this.planner.restore(key, due.secrets, now);
      const delay = this.#queue.addRateLimited(key);
      this.#o.log?.warn({ workload: key, code: e instanceof KsealError ? e.code : "unknown", retryInMs: delay }, "rollout restart failed");
    }
  }

  /** Objects of one kind from the cache (for callers that need them, e.g. diagnostics). */
  workloads(kind: WorkloadKind): KubeObject[] {
    return this.informers[kind].list();
  }
}
