import { describe, expect, it } from "vitest";
import { parseSamples, samplesOf, sumOf } from "./prometheus.ts";

const TEXT = `# HELP kseal_heap_trims_total Memory-reducing garbage collections
# TYPE kseal_heap_trims_total counter
kseal_heap_trims_total 3
controller_runtime_reconcile_total{controller="externalsecret",result="success"} 12
controller_runtime_reconcile_total{controller="externalsecret",result="error"} 2
controller_runtime_reconcile_total{controller="sealedsecret",result="success"} 7
apiserver_request_total{code="201",resource="secrets",subresource="",verb="POST"} 10001 1732400000000
odd_label{path="a \\"quoted\\" \\\\ path",x="{}"} 1.5
`;

describe("Prometheus text samples", () => {
  const samples = parseSamples(TEXT);

  it("reads names, labels and values, skipping comments and timestamps", () => {
    expect(samples).toHaveLength(6);
    expect(samples[0]).toEqual({ name: "kseal_heap_trims_total", labels: {}, value: 3 });
    expect(samplesOf(samples, "apiserver_request_total")[0]).toEqual({
      name: "apiserver_request_total", labels: { code: "201", resource: "secrets", subresource: "", verb: "POST" }, value: 10001,
    });
    expect(samplesOf(samples, "odd_label")[0]?.labels).toEqual({ path: 'a "quoted" \\ path', x: "{}" });
  });

  it("sums the samples whose labels include the ones asked for; NaN when none match", () => {
    expect(sumOf(samples, "controller_runtime_reconcile_total", { controller: "externalsecret" })).toBe(14);
    expect(sumOf(samples, "controller_runtime_reconcile_total")).toBe(21);
    expect(sumOf(samples, "kseal_heap_trims_total")).toBe(3);
    expect(sumOf(samples, "controller_runtime_reconcile_total", { controller: "sopssecret" })).toBeNaN();
  });
});
