/**
 * ExternalSecret metrics behind a small port, with ESO's metric names. Labels are object names and
 * condition values only — never a secret value.
 */
import { Counter, Gauge, type Registry } from "prom-client";

export interface EsMetrics {
  /** One sync attempt (`externalsecret_sync_calls_total`; failures also `externalsecret_sync_calls_error`). */
  syncCall(namespace: string, name: string, failed: boolean): void;
  /** `externalsecret_status_condition{condition="Ready",status}`: 1 for the current status, 0 for the other. */
  readyStatus(namespace: string, name: string, status: "True" | "False"): void;
  /** `externalsecret_reconcile_duration` in seconds. */
  reconcileDuration(namespace: string, name: string, seconds: number): void;
  /** The ExternalSecret is gone: its series go too, as ESO removes them on deletion. */
  forget(namespace: string, name: string): void;
}

export const noMetrics: EsMetrics = {
  syncCall: () => undefined,
  readyStatus: () => undefined,
  reconcileDuration: () => undefined,
  forget: () => undefined,
};

/** What the four metrics say of one ExternalSecret; NaN / undefined = no series yet. */
interface EsRecord {
  calls: number;
  errors: number;
  ready: "True" | "False" | undefined;
  duration: number;
}

interface Series {
  value: number;
  labels: Partial<Record<string, string | number>>;
}

/**
 * A prom-client metric whose series are rendered from kseal's per-ExternalSecret records at scrape
 * time instead of being kept as prom-client series. prom-client keeps a series as a hash string, a
 * label object and an entry object: at 10,000 ExternalSecrets ESO's four metrics (40,000 series)
 * were 5.2 MB of the operator's live heap (a heap snapshot's retained sizes), one small record per
 * ExternalSecret is ~1 MB.
 */
class RenderedGauge extends Gauge {
  readonly #render: () => Series[];

  constructor(config: { name: string; help: string; labelNames: readonly string[]; registers: Registry[] }, render: () => Series[]) {
    super(config);
    this.#render = render;
  }

  override async get(): ReturnType<Gauge["get"]> {
    // prom-client's own series map stays empty: its result is the frame, the records the values.
    return { ...await super.get(), values: this.#render() };
  }
}

/** As {@link RenderedGauge}, for counters. */
class RenderedCounter extends Counter {
  readonly #render: () => Series[];

  constructor(config: { name: string; help: string; labelNames: readonly string[]; registers: Registry[] }, render: () => Series[]) {
    super(config);
    this.#render = render;
  }

  override async get(): ReturnType<Counter["get"]> {
    // prom-client's own series map stays empty: its result is the frame, the records the values.
    return { ...await super.get(), values: this.#render() };
  }
}

/** The prom-client implementation, registered on the operator's one registry. */
export function promEsMetrics(registry: Registry): EsMetrics {
  // namespace → name → record: no `namespace/name` key string per ExternalSecret; the name and
  // namespace strings are the ones the caller holds (the informer's).
  const records = new Map<string, Map<string, EsRecord>>();
  const recordOf = (namespace: string, name: string): EsRecord => {
    let inNamespace = records.get(namespace);
    if (inNamespace === undefined) records.set(namespace, inNamespace = new Map<string, EsRecord>());
    let r = inNamespace.get(name);
    if (r === undefined) inNamespace.set(name, r = { calls: 0, errors: 0, ready: undefined, duration: Number.NaN });
    return r;
  };
  const render = (each: (namespace: string, name: string, r: EsRecord, out: Series[]) => void) => (): Series[] => {
    const out: Series[] = [];
    for (const [namespace, inNamespace] of records) for (const [name, r] of inNamespace) each(namespace, name, r, out);
    return out;
  };
  const labelNames = ["name", "namespace"] as const;
  const registers = [registry];
  new RenderedCounter({ name: "externalsecret_sync_calls_total", help: "Total number of ExternalSecret sync calls", labelNames, registers },
    render((namespace, name, r, out) => { if (r.calls > 0) out.push({ value: r.calls, labels: { name, namespace } }); }));
  new RenderedCounter({ name: "externalsecret_sync_calls_error", help: "Total number of ExternalSecret sync errors", labelNames, registers },
    render((namespace, name, r, out) => { if (r.errors > 0) out.push({ value: r.errors, labels: { name, namespace } }); }));
  new RenderedGauge({ name: "externalsecret_status_condition", help: "The status condition of an ExternalSecret", labelNames: ["name", "namespace", "condition", "status"], registers },
    render((namespace, name, r, out) => {
      if (r.ready === undefined) return;
      out.push({ value: r.ready === "True" ? 1 : 0, labels: { name, namespace, condition: "Ready", status: "True" } });
      out.push({ value: r.ready === "False" ? 1 : 0, labels: { name, namespace, condition: "Ready", status: "False" } });
    }));
  new RenderedGauge({ name: "externalsecret_reconcile_duration", help: "Duration of the last ExternalSecret reconcile in seconds", labelNames, registers },
    render((namespace, name, r, out) => { if (!Number.isNaN(r.duration)) out.push({ value: r.duration, labels: { name, namespace } }); }));
  return {
    syncCall(namespace, name, failed) {
      const r = recordOf(namespace, name);
      r.calls++;
      if (failed) r.errors++;
    },
    readyStatus(namespace, name, status) {
      recordOf(namespace, name).ready = status;
    },
    reconcileDuration(namespace, name, seconds) {
      recordOf(namespace, name).duration = seconds;
    },
    forget(namespace, name) {
      const inNamespace = records.get(namespace);
      inNamespace?.delete(name);
      if (inNamespace?.size === 0) records.delete(namespace);
    },
  };
}
