/**
 * The ExternalSecret engine's public surface for main.ts: reconcilers for ExternalSecret,
 * SecretStore/ClusterSecretStore and ClusterExternalSecret, their KubeHttp bindings, the CRDs.
 */
export { reconcileExternalSecret, type EsDeps, type EventPort } from "./act.ts";
export { kubeEsDeps, esoTemplateEngine, hmacKeyLoader, type KubeEsOptions } from "./kube.ts";
export { promEsMetrics, noMetrics, type EsMetrics } from "./metrics.ts";
export { customResourceDefinitions, renderCrdYaml, CRD_DIR, GROUP, VERSION } from "./crd.ts";
export { parseExternalSecret, parseSecretStore, parseClusterExternalSecret, parseDuration } from "./parse.ts";
export type { ExternalSecret, SecretStore, ClusterExternalSecret } from "./types.ts";
export { TargetIndex } from "./targets.ts";
export { reconcileStore, resolveStore, type StoreEventPort, type StoreObjectRef, type StoreReadPort, type StoreStatusPort } from "../secretstore/index.ts";
export { reconcileClusterExternalSecret, type CesPorts } from "../clusterexternalsecret/index.ts";
export { kubeCesPorts } from "../clusterexternalsecret/kube.ts";
