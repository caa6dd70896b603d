/**
 * ExternalSecret metrics behind a small port, with ESO's metric names. Labels are object names and
 * condition values only — never a secret value.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import type { OwnExposition } from "../../kube/metrics.ts";

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

/** Receives one metric's series: as prom-client series (get()) or as exposition lines. */
interface SeriesSink {
  /** `labels` as `[label, value]` pairs, in exposition order. */
  add(value: number, labels: readonly (readonly [string, string])[]): void;
}

type RenderAll = (sink: SeriesSink) => void;

function escapeLabelValue(v: string): string {
  return /[\\\n"]/.test(v) ? v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"') : v;
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** prom-client's number format: `Nan`, `+Inf`, `-Inf`, else JavaScript's. */
function formatValue(v: number): string {
  if (Number.isNaN(v)) return "Nan";
  if (!Number.isFinite(v)) return v < 0 ? "-Inf" : "+Inf";
  return `${v}`;
}

/** The metric's exposition in the Prometheus text format, as prom-client writes it. */
function exposition(name: string, help: string, type: string, renderAll: RenderAll): string {
  let out = `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}`;
  renderAll({
    add(value, labels) {
      let line = "";
      for (const [label, v] of labels) line += `${line === "" ? "" : ","}${label}="${escapeLabelValue(v)}"`;
      out += `\n${name}{${line}} ${formatValue(value)}`;
    },
  });
  return out;
}

function asSeries(renderAll: RenderAll): Series[] {
  const out: Series[] = [];
  renderAll({ add: (value, labels) => out.push({ value, labels: Object.fromEntries(labels) }) });
  return out;
}

/**
 * Makes `metric` (registered, its own series map left empty) render its series from kseal's
 * per-ExternalSecret records at scrape time instead of keeping them as prom-client series.
 * prom-client keeps a series as a hash string, a label object and an entry object: at 10,000
 * ExternalSecrets ESO's four metrics (40,000 series) were 5.2 MB of the operator's live heap (a heap
 * snapshot's retained sizes), one small record per ExternalSecret is ~1 MB. The operator's registry
 * (src/kube/metrics.ts) asks for the exposition text directly ({@link OwnExposition}); `get()`
 * serves any other registry — prom-client's frame, the records' values.
 */
function renderFromRecords(metric: Gauge | Counter, renderAll: RenderAll): void {
  const frame = metric.get.bind(metric);
  const rendering: OwnExposition & Pick<Gauge | Counter, "get"> = {
    get: async () => ({ ...await frame(), values: asSeries(renderAll) }),
    prometheusText: async () => {
      const { name, help, type } = await frame();
      return exposition(name, help, String(type), renderAll);
    },
  };
  Object.assign(metric, rendering);
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
  const labelNames = ["name", "namespace"] as const;
  const registers = [registry];
  const rendered = (metric: Gauge | Counter, each: (namespace: string, name: string, r: EsRecord, sink: SeriesSink) => void): void => {
    renderFromRecords(metric, (sink) => {
      for (const [namespace, inNamespace] of records) for (const [name, r] of inNamespace) each(namespace, name, r, sink);
    });
  };
  rendered(new Counter({ name: "externalsecret_sync_calls_total", help: "Total number of ExternalSecret sync calls", labelNames, registers }),
    (namespace, name, r, sink) => { if (r.calls > 0) sink.add(r.calls, [["name", name], ["namespace", namespace]]); });
  rendered(new Counter({ name: "externalsecret_sync_calls_error", help: "Total number of ExternalSecret sync errors", labelNames, registers }),
    (namespace, name, r, sink) => { if (r.errors > 0) sink.add(r.errors, [["name", name], ["namespace", namespace]]); });
  rendered(new Gauge({ name: "externalsecret_status_condition", help: "The status condition of an ExternalSecret", labelNames: ["name", "namespace", "condition", "status"], registers }),
    (namespace, name, r, sink) => {
      if (r.ready === undefined) return;
      sink.add(r.ready === "True" ? 1 : 0, [["name", name], ["namespace", namespace], ["condition", "Ready"], ["status", "True"]]);
      sink.add(r.ready === "False" ? 1 : 0, [["name", name], ["namespace", namespace], ["condition", "Ready"], ["status", "False"]]);
    });
  rendered(new Gauge({ name: "externalsecret_reconcile_duration", help: "Duration of the last ExternalSecret reconcile in seconds", labelNames, registers }),
    (namespace, name, r, sink) => { if (!Number.isNaN(r.duration)) sink.add(r.duration, [["name", name], ["namespace", namespace]]); });
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
