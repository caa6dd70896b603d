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
}

export const noMetrics: EsMetrics = {
  syncCall: () => undefined,
  readyStatus: () => undefined,
  reconcileDuration: () => undefined,
};

/** The prom-client implementation, registered on the operator's one registry. */
export function promEsMetrics(registry: Registry): EsMetrics {
  const labelNames = ["name", "namespace"] as const;
  const total = new Counter({ name: "externalsecret_sync_calls_total", help: "Total number of ExternalSecret sync calls", labelNames, registers: [registry] });
  const errors = new Counter({ name: "externalsecret_sync_calls_error", help: "Total number of ExternalSecret sync errors", labelNames, registers: [registry] });
  const condition = new Gauge({
    name: "externalsecret_status_condition",
    help: "The status condition of an ExternalSecret",
    labelNames: ["name", "namespace", "condition", "status"] as const,
    registers: [registry],
  });
  const duration = new Gauge({ name: "externalsecret_reconcile_duration", help: "Duration of the last ExternalSecret reconcile in seconds", labelNames, registers: [registry] });
  return {
    syncCall(namespace, name, failed) {
      total.inc({ name, namespace });
      if (failed) errors.inc({ name, namespace });
    },
    readyStatus(namespace, name, status) {
      condition.set({ name, namespace, condition: "Ready", status }, 1);
      condition.set({ name, namespace, condition: "Ready", status: status === "True" ? "False" : "True" }, 0);
    },
    reconcileDuration(namespace, name, seconds) {
      duration.set({ name, namespace }, seconds);
    },
  };
}
