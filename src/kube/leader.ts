/**
 * Leader election on a `coordination.k8s.io/v1` Lease, following client-go's algorithm:
 *
 * - A candidate takes the lease when it is absent, released (empty holder) or expired. Expiry is
 *   judged on the LOCAL clock from when this candidate last saw the lease record change, never from
 *   the `renewTime` written by another machine (clock skew).
 * - The leader renews every `retryPeriodMs`; if it cannot renew for `renewDeadlineMs` it stops
 *   leading (`onStoppedLeading`) before the lease can expire for others (`leaseDurationMs`).
 * - Every write is an optimistic-concurrency PUT/POST: two candidates never both win.
 * - On abort (graceful shutdown) a leader first stops leading, then releases the lease so a
 *   standby takes over at its next retry instead of waiting for expiry.
 */
import { KsealError } from "../errors.ts";
import { isAborted, sleep, systemClock, type Clock } from "./clock.ts";
import { isConflict, LEASES, type KubeHttp, type KubeObject } from "./client.ts";

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export interface LeaderElectionLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface LeaderElectionOptions {
  readonly http: KubeHttp;
  readonly namespace: string;
  /** Lease name, e.g. `kseal-operator`. */
  readonly name: string;
  /** Unique per process, e.g. the pod name plus a random suffix. */
  readonly identity: string;
  /** Default 15 s. */
  readonly leaseDurationMs?: number;
  /** Default 10 s; must be < leaseDurationMs. */
  readonly renewDeadlineMs?: number;
  /** Default 2 s. */
  readonly retryPeriodMs?: number;
  readonly clock?: Clock;
  readonly log?: LeaderElectionLog;
  /**
   * Called when this candidate becomes leader. `signal` aborts when leadership ends; start the
   * controllers here. Must not throw.
   */
  readonly onStartedLeading: (signal: AbortSignal) => void;
  /** Called once leadership ends (lost or released). Stop the controllers here. May be async. */
  readonly onStoppedLeading: () => void | Promise<void>;
  /** Called when the observed holder changes (including to this candidate). */
  readonly onNewLeader?: (identity: string) => void;
}

/** RFC 3339 with microseconds, as `MicroTime` is serialized. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, "000Z");
}

export class LeaderElector {
  readonly #o: Required<Omit<LeaderElectionOptions, "log" | "onNewLeader">> & Pick<LeaderElectionOptions, "log" | "onNewLeader">;
  #leading = false;
  #observed: { key: string; at: number } | undefined;
  #lastHolder: string | undefined;

  constructor(options: LeaderElectionOptions) {
    this.#o = {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      clock: systemClock,
      ...options,
    };
    if (this.#o.renewDeadlineMs >= this.#o.leaseDurationMs) {
      throw new KsealError("LEADER_ELECTION_CONFIG", "renew deadline must be shorter than the lease duration");
    }
  }

  /** True while this candidate holds the lease and has not missed its renew deadline. */
  isLeader(): boolean {
    return this.#leading;
  }

  /**
   * Campaigns, leads, and campaigns again after losing the lease, until `signal` aborts; then
   * releases the lease if held. Never rejects for API failures (they are retried).
   */
  async run(signal: AbortSignal): Promise<void> {
    const { clock, retryPeriodMs, renewDeadlineMs, log } = this.#o;
    while (!signal.aborted) {
      if (!(await this.#attempt())) {
        await sleep(clock, retryPeriodMs * (1 + 0.2 * Math.random()), signal).catch(() => undefined);
        continue;
      }
      this.#leading = true;
      log?.info({ lease: this.#o.name, identity: this.#o.identity }, "started leading");
      const leadership = new AbortController();
      this.#o.onStartedLeading(leadership.signal);
      let lastRenew = clock.now();
      while (!isAborted(signal)) {
        await sleep(clock, retryPeriodMs, signal).catch(() => undefined);
        if (isAborted(signal)) break;
        if (await this.#attempt()) {
          lastRenew = clock.now();
        } else if (clock.now() - lastRenew >= renewDeadlineMs) {
          log?.warn({ lease: this.#o.name, identity: this.#o.identity }, "failed to renew the lease in time; stopping");
          break;
        }
      }
      this.#leading = false;
      leadership.abort();
      await this.#o.onStoppedLeading();
      log?.info({ lease: this.#o.name, identity: this.#o.identity }, "stopped leading");
      if (isAborted(signal)) await this.#release();
    }
  }

  /** Acquires or renews once; false when another holds a live lease or the write lost a race. */
  async #attempt(): Promise<boolean> {
    const { http, namespace, name, identity, clock, log } = this.#o;
    const durationS = Math.ceil(this.#o.leaseDurationMs / 1000);
    try {
      const lease = await http.get<Lease>(LEASES, namespace, name);
      const now = clock.now();
      if (lease === null) {
        await http.create(LEASES, namespace, {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name, namespace },
          spec: { holderIdentity: identity, leaseDurationSeconds: durationS, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
        });
        this.#seen(identity, "created", now);
        return true;
      }
      const spec = lease.spec ?? {};
      const holder = spec.holderIdentity ?? "";
      const recordKey = `${holder}|${spec.renewTime ?? ""}|${String(spec.leaseTransitions ?? 0)}`;
      if (this.#observed?.key !== recordKey) this.#observed = { key: recordKey, at: now };
      this.#noteHolder(holder);
      const ttlMs = (spec.leaseDurationSeconds ?? durationS) * 1000;
      if (holder !== "" && holder !== identity && this.#observed.at + ttlMs > now) return false;
      const renewing = holder === identity;
      const next: LeaseSpec = {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds: durationS,
        acquireTime: renewing && spec.acquireTime !== undefined ? spec.acquireTime : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: renewing ? spec.leaseTransitions ?? 0 : (spec.leaseTransitions ?? 0) + 1,
      };
      const written = await http.replace<Lease>(LEASES, namespace, name, { ...lease, spec: next });
      this.#seen(identity, written.spec?.renewTime ?? "", now, written.spec?.leaseTransitions ?? 0);
      return true;
    } catch (e: unknown) {
      if (!isConflict(e)) log?.warn({ lease: name, code: e instanceof KsealError ? e.code : "unknown" }, "lease request failed");
      return false;
    }
  }

  #seen(holder: string, renewTime: string, now: number, transitions = 0): void {
    this.#observed = { key: `${holder}|${renewTime}|${String(transitions)}`, at: now };
    this.#noteHolder(holder);
  }

  #noteHolder(holder: string): void {
    if (holder === this.#lastHolder) return;
    this.#lastHolder = holder;
    if (holder !== "") this.#o.onNewLeader?.(holder);
  }

  /** Hands the lease back (empty holder) if this candidate still holds it. Best effort. */
  async #release(): Promise<void> {
    const { http, namespace, name, identity, clock, log } = this.#o;
    try {
      const lease = await http.get<Lease>(LEASES, namespace, name);
      if (lease?.spec?.holderIdentity !== identity) return;
      await http.replace(LEASES, namespace, name, {
        ...lease,
        spec: { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: microTime(clock.now()) },
      });
      log?.info({ lease: name, identity }, "released the lease");
    } catch (e: unknown) {
      log?.warn({ lease: name, code: e instanceof KsealError ? e.code : "unknown" }, "could not release the lease");
    }
  }
}
