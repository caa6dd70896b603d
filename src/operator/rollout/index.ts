/**
 * Rollout restart: restarts Deployments/StatefulSets/DaemonSets when a Secret kseal manages
 * changes, debounced. See decide.ts (pure decisions) and controller.ts (I/O).
 */
export {
  AUTO_ANNOTATION, RELOAD_ANNOTATION, RESTARTED_AT_ANNOTATION, RESTART_REASON_ANNOTATION, WORKLOAD_KINDS,
  RolloutPlanner, asksForSecret, referencedSecrets, workloadsFor, workloadKey, parseWorkloadKey, restartPatch,
  type RolloutTarget, type Workload, type WorkloadKind, type Observation, type PodSpec,
} from "./decide.ts";
export { RolloutController, type RolloutControllerOptions, type SecretChange } from "./controller.ts";
