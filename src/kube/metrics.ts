/**
 * The one Prometheus registry of the process and the runtime's own metrics: work-queue depth, wait
 * and work duration, retries (controller-runtime's names), reconcile results, watch failures and
 * leadership. Domain metrics (ESO's `externalsecret_*`) are registered by their controllers on the
 * same registry. Labels are names of controllers and resources — never object data.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Outcome } from "./outcome.ts";
import type { QueueMetrics } from "./queue.ts";

export { Registry } from "prom-client";

/**
 * A metric that writes its own Prometheus text exposition — HELP, TYPE and one line per series,
 * exactly as prom-client would. For metrics with a series per object: prom-client formats each
 * series through a label object, arrays and joins, and at 10,000 ExternalSecrets one scrape of
 * ESO's four per-ExternalSecret metrics allocated ~80 MB and paused the loop for it.
 */
export interface OwnExposition {
  prometheusText(): Promise<string>;
}

function hasOwnExposition(m: object): m is OwnExposition {
  return typeof (m as Partial<OwnExposition>).prometheusText === "function";
}

/**
 * prom-client's registry, except that a metric with {@link OwnExposition} writes its own text. Its
 * content type is bound to the Prometheus text format (the type allows no OpenMetrics, whose
 * counters are named differently). The frame is prom-client's `metrics()`: metrics joined by a
 * blank line, one final newline.
 */
class OperatorRegistry extends Registry {
  override async metrics(): Promise<string> {
    const parts = await Promise.all(this.getMetricsAsArray().map(async (m) => (hasOwnExposition(m) ? m.prometheusText() : this.getSingleMetricAsString(m.name))));
    return `${parts.join("\n\n")}\n`;
  }
}

/** A new registry with Node's default process metrics. Create one per process. */
export function createRegistry(options: { readonly defaultMetrics?: boolean } = {}): Registry {
  const registry = new OperatorRegistry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  return registry;
}

interface RuntimeMetrics {
  readonly depth: Gauge<"name">;
  readonly wait: Histogram<"name">;
  readonly work: Histogram<"name">;
  readonly retries: Counter<"name">;
  readonly reconciles: Counter<"controller" | "result">;
  readonly watchErrors: Counter<"resource" | "gone">;
  readonly leader: Gauge<"lease">;
}

const perRegistry = new WeakMap<Registry, RuntimeMetrics>();

const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

function runtimeMetrics(registry: Registry): RuntimeMetrics {
  let m = perRegistry.get(registry);
  if (m !== undefined) return m;
  const registers = [registry];
  m = {
    depth: new Gauge({ name: "workqueue_depth", help: "Keys waiting in the work queue", labelNames: ["name"], registers }),
    wait: new Histogram({
      name: "workqueue_queue_duration_seconds", help: "Time a key waits in the queue before a worker takes it",
      labelNames: ["name"], buckets: DURATION_BUCKETS, registers,
    }),
    work: new Histogram({
      name: "workqueue_work_duration_seconds", help: "Time a worker spends on one key",
      labelNames: ["name"], buckets: DURATION_BUCKETS, registers,
    }),
    retries: new Counter({ name: "workqueue_retries_total", help: "Keys requeued with backoff", labelNames: ["name"], registers }),
    reconciles: new Counter({
      name: "controller_runtime_reconcile_total", help: "Reconciles by controller and result (ok, retry, terminal)",
      labelNames: ["controller", "result"], registers,
    }),
    watchErrors: new Counter({
      name: "kseal_watch_errors_total", help: "Watch/list failures by resource; gone=true for 410 relists",
      labelNames: ["resource", "gone"], registers,
    }),
    leader: new Gauge({ name: "kseal_leader", help: "1 while this process holds the lease", labelNames: ["lease"], registers }),
  };
  perRegistry.set(registry, m);
  return m;
}

/** {@link QueueMetrics} hooks for the queue of controller `name`. */
export function queueMetrics(registry: Registry, name: string): QueueMetrics {
  const m = runtimeMetrics(registry);
  return {
    depth: (n) => {
      m.depth.set({ name }, n);
    },
    waitMs: (ms) => {
      m.wait.observe({ name }, ms / 1000);
    },
    workMs: (ms) => {
      m.work.observe({ name }, ms / 1000);
    },
    retry: () => {
      m.retries.inc({ name });
    },
  };
}

/** A `Controller` `onReconciled` hook counting results. */
export function reconcileCounter(registry: Registry, controller: string): (key: string, outcome: Outcome) => void {
  const m = runtimeMetrics(registry);
  return (_key, outcome) => {
    m.reconciles.inc({ controller, result: outcome.kind });
  };
}

/** An `Informer` `onError` hook counting failures of `resource`. */
export function watchErrorCounter(registry: Registry, resource: string): (e: unknown, gone: boolean) => void {
  const m = runtimeMetrics(registry);
  return (_e, gone) => {
    m.watchErrors.inc({ resource, gone: String(gone) });
  };
}

/** Sets the leadership gauge of `lease`. */
export function setLeader(registry: Registry, lease: string, leading: boolean): void {
  runtimeMetrics(registry).leader.set({ lease }, leading ? 1 : 0);
}
