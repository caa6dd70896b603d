/**
 * kseal's small controller runtime.
 *
 * - `loadKubeConfig` — kubeconfig or in-cluster access, without client-node (load-kubeconfig.ts)
 * - `KubeHttp` — the one JSON client of the API server (client.ts)
 * - `Informer` + `httpSource` — supervised list+watch with a cache, metadata-only mode (watch.ts)
 * - `WorkQueue` — keyed, deduplicated, two lanes, heap-timed delays, backoff, rate limit (queue.ts)
 * - `Controller` — informer → queue → reconciler → Outcome (controller.ts)
 * - `LeaderElector` — Lease-based leader election (leader.ts)
 * - `EventRecorder` — events.k8s.io/v1 with series aggregation (events.ts)
 * - `createRegistry`, `startHealthServer`, `createLogger` — metrics, probes, logs
 * - `ok` / `retry` / `terminal` — the reconcile outcome (outcome.ts)
 */
export { ok, retry, terminal, objectKey, splitKey, type ObjectKey, type Outcome } from "./outcome.ts";
export { ManualClock, systemClock, sleep, exponentialBackoff, isAborted, type Clock, type TimerHandle } from "./clock.ts";
export { loadKubeConfig, resolveKubeConfig, type LoadOptions } from "./load-kubeconfig.ts";
export { kubeAccess, type KubeAccess, type Credentials, type ResolvedAccess } from "./access.ts";
export {
  KubeHttp, resourcePath, apiVersionOf, statusOf, isNotFound, isConflict, isGone,
  METADATA_ACCEPT, METADATA_LIST_ACCEPT, SECRETS, LEASES, EVENTS, DEPLOYMENTS, STATEFULSETS, DAEMONSETS,
  type HttpMethod, type ResourceType, type KubeObject, type ObjectMeta, type ObjectList, type WatchEvent,
  type RequestOptions, type ListOptions, type WatchOptions, type PatchOptions, type KubeResponse,
} from "./client.ts";
export {
  Informer, httpSource, keyOf,
  type WatchSource, type HttpSourceOptions, type Change, type ChangeType, type InformerOptions, type InformerLog,
} from "./watch.ts";
export { WorkQueue, type Lane, type QueueMetrics, type WorkQueueOptions, type AddAfterOptions, type KeyHandler } from "./queue.ts";
export {
  Controller, specOrMetadataChanged, ownerKeys,
  type ControllerOptions, type Reconciler, type ReconcileRequest, type SecondaryWatch, type ControllerLog,
} from "./controller.ts";
export { LeaderElector, microTime, type LeaderElectionOptions, type Lease, type LeaseSpec, type LeaderElectionLog } from "./leader.ts";
export { EventRecorder, type EventRecorderOptions, type ObjectReference, type EventType } from "./events.ts";
export { createRegistry, queueMetrics, reconcileCounter, watchErrorCounter, setLeader, Registry } from "./metrics.ts";
export { startHealthServer, operatorReadiness, type Check, type HealthServer, type HealthServerOptions } from "./health.ts";
export { createLogger, redactPaths, REDACTED_FIELDS, type Logger, type LoggerOptions } from "./log.ts";
