/**
 * Rollout restart: restarts Deployments/StatefulSets/DaemonSets when a Secret kseal manages
 * changes, debounced, and records on each workload what it runs with so a change missed while no
 * kseal was leading restarts it at the next start. See decide.ts (pure decisions), digest.ts
 * (stable keyed digests of Secret data) and controller.ts (I/O).
 */
export {
  AUTO_ANNOTATION, RELOAD_ANNOTATION, RESTARTED_AT_ANNOTATION, RESTART_REASON_ANNOTATION, SECRET_DIGESTS_ANNOTATION, WORKLOAD_KINDS,
  RolloutPlanner, asksForSecret, decidePair, fingerprint, formatDigests, parseDigests, recordPatch, referencedSecrets, secretsAskedBy,
  workloadsFor, workloadKey, parseWorkloadKey, restartPatch,
  type RolloutTarget, type Workload, type WorkloadKind, type WorkloadView, type Observation, type PairDecision, type PodSpec, type Step,
} from "./decide.ts";
export { rolloutDigestKey, secretDataDigest } from "./digest.ts";
export { RolloutController, type RolloutControllerOptions, type SecretChange } from "./controller.ts";
