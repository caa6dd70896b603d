/** The external-secrets.io resources (and the core ones) the ExternalSecret engine reads and writes. */
import type { ResourceType } from "../../kube/client.ts";
import { GROUP, VERSION } from "./crd.ts";

export const EXTERNAL_SECRETS = { group: GROUP, version: VERSION, plural: "externalsecrets", kind: "ExternalSecret", namespaced: true } as const satisfies ResourceType;
export const SECRET_STORES = { group: GROUP, version: VERSION, plural: "secretstores", kind: "SecretStore", namespaced: true } as const satisfies ResourceType;
export const CLUSTER_SECRET_STORES = { group: GROUP, version: VERSION, plural: "clustersecretstores", kind: "ClusterSecretStore", namespaced: false } as const satisfies ResourceType;
export const CLUSTER_EXTERNAL_SECRETS = {
  group: GROUP, version: VERSION, plural: "clusterexternalsecrets", kind: "ClusterExternalSecret", namespaced: false,
} as const satisfies ResourceType;
export const NAMESPACES = { group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false } as const satisfies ResourceType;
export const CONFIG_MAPS = { group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true } as const satisfies ResourceType;
export const SERVICE_ACCOUNTS = { group: "", version: "v1", plural: "serviceaccounts", kind: "ServiceAccount", namespaced: true } as const satisfies ResourceType;
