/**
 * The Grafana dashboard and the Prometheus rules parse, and reference only metrics kseal exports
 * (every `new Counter|Gauge|Histogram|Summary({ name: "…" })` under src/, the ExternalSecret
 * metrics' included).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { ROOT } from "./render.ts";

/** Declared metric names, each with its prom-client type. */
function exportedMetrics(): Map<string, string> {
  const names = new Map<string, string>();
  const files = readdirSync(join(ROOT, "src"), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"));
  for (const f of files) {
    const text = readFileSync(join(f.parentPath, f.name), "utf8");
    for (const m of text.matchAll(/new (?:Rendered)?(Counter|Gauge|Histogram|Summary)(?:<[^>]*>)?\(\{\s*name: "([a-zA-Z_:][a-zA-Z0-9_:]*)"/g)) {
      if (m[1] !== undefined && m[2] !== undefined) names.set(m[2], m[1]);
    }
  }
  return names;
}

const PROMQL_WORDS = new Set([
  "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset",
  "sum", "min", "max", "avg", "count", "stddev", "topk", "bottomk", "quantile", "rate", "irate", "increase",
  "histogram_quantile", "absent", "le", "inf",
]);

/** Metric names an expression reads: identifiers outside label matchers, groupings and strings. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, " ")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\[[^\]]*\]/g, " ");
  const out: string[] = [];
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(?!\s*\()/g)) {
    const id = m[0];
    const before = stripped.slice(0, m.index);
    if (/\d$/.test(before) || PROMQL_WORDS.has(id.toLowerCase())) continue;
    if (/^[a-zA-Z_:][a-zA-Z0-9_:]*\s*\(/.test(stripped.slice(m.index))) continue;
    out.push(id);
  }
  return out;
}

function known(name: string, exported: ReadonlyMap<string, string>): boolean {
  if (exported.has(name)) return true;
  const base = name.replace(/_(bucket|sum|count)$/, "");
  const type = exported.get(base);
  return base !== name && (type === "Histogram" || (type === "Summary" && !name.endsWith("_bucket")));
}

const exported = exportedMetrics();

interface Panel { readonly title: string; readonly targets?: readonly { readonly expr: string }[] }
const dashboard = JSON.parse(readFileSync(join(ROOT, "deploy/observability/grafana-dashboard.json"), "utf8")) as {
  readonly title: string; readonly uid: string; readonly panels: readonly Panel[];
};
interface Rule { readonly alert: string; readonly expr: string }
const rules = parse(readFileSync(join(ROOT, "deploy/observability/prometheus-rules.yaml"), "utf8")) as {
  readonly kind: string; readonly spec: { readonly groups: readonly { readonly rules: readonly Rule[] }[] };
};

describe("metric name extraction", () => {
  it.each([
    { expr: 'sum by (namespace) (rate(externalsecret_sync_calls_total{a="b"}[5m]))', want: ["externalsecret_sync_calls_total"], why: "functions, groupings, matchers and ranges are not metrics" },
    { expr: "histogram_quantile(0.95, sum by (name, le) (rate(workqueue_queue_duration_seconds_bucket[5m])))", want: ["workqueue_queue_duration_seconds_bucket"], why: "histogram series keep their suffix" },
    { expr: "kseal_sealing_key_age_seconds > (720 + 1) * 3600", want: ["kseal_sealing_key_age_seconds"], why: "arithmetic on scalars" },
    { expr: "a_metric and on (x) b_metric == 1", want: ["a_metric", "b_metric"], why: "both sides of a binary operator" },
  ])("$why", ({ expr, want }) => {
    expect(metricNames(expr)).toEqual(want);
  });

  it.each([
    { name: "externalsecret_sync_calls_total", ok: true, why: "a counter declared in src/" },
    { name: "workqueue_queue_duration_seconds_bucket", ok: true, why: "a histogram's bucket series" },
    { name: "externalsecret_provider_api_calls_count", ok: true, why: "a counter whose own name ends in _count" },
    { name: "externalsecret_sync_calls_total_bucket", ok: false, why: "a counter has no buckets" },
    { name: "kseal_made_up_metric", ok: false, why: "not declared anywhere" },
  ])("$name known=$ok: $why", ({ name, ok }) => {
    expect(known(name, exported)).toBe(ok);
  });
});

describe("the Grafana dashboard", () => {
  const panels = dashboard.panels;
  it("parses and has the panels the issue names", () => {
    expect(dashboard.uid).toBe("kseal-overview");
    const titles = panels.map((p) => p.title.toLowerCase()).join("\n");
    for (const want of ["sync rate", "sync errors", "queue depth", "queue wait", "store calls by provider", "unseal", "decrypt", "key age"]) {
      expect(titles, want).toContain(want);
    }
  });
  it.each(panels.flatMap((p) => (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr }))))("$title: $expr", ({ expr }) => {
    const names = metricNames(expr);
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(known(n, exported), `${n} is not exported by kseal`).toBe(true);
  });
});

describe("the Prometheus rules", () => {
  const all = rules.spec.groups.flatMap((g) => g.rules);
  it("parse as a PrometheusRule with the alerts the issue names", () => {
    expect(rules.kind).toBe("PrometheusRule");
    expect(all.map((r) => r.alert)).toEqual(expect.arrayContaining(["KsealExternalSecretSyncFailing", "KsealSecretStoreUnavailable", "KsealSealingKeyTooOld"]));
  });
  it.each(all)("$alert references only exported metrics", ({ expr }) => {
    const names = metricNames(expr);
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(known(n, exported), `${n} is not exported by kseal`).toBe(true);
  });
});
