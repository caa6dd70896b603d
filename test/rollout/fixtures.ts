// What the rollout integration tests deploy: a Deployment (or StatefulSet, DaemonSet) of no
// replicas that asks, by Reloader's annotation, to be restarted when `secret` changes, and reads
// it through envFrom.
import type { V1DaemonSet, V1Deployment, V1ObjectMeta, V1PodTemplateSpec, V1StatefulSet } from "@kubernetes/client-node";

export function reloadingDeployment(name: string, secret: string): V1Deployment {
  return { metadata: reloadingMetadata(name, secret), spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: podTemplate(name, secret) } };
}

function reloadingMetadata(name: string, secret: string): V1ObjectMeta {
  return { name, annotations: { "secret.reloader.stakater.com/reload": secret } };
}

function podTemplate(name: string, secret: string): V1PodTemplateSpec {
  return { metadata: { labels: { app: name } }, spec: { containers: [{ name: "app", image: "registry.invalid/app:1", envFrom: [{ secretRef: { name: secret } }] }] } };
}

/** The same as a StatefulSet (no replicas). */
export function reloadingStatefulSet(name: string, secret: string): V1StatefulSet {
  return { metadata: reloadingMetadata(name, secret), spec: { replicas: 0, serviceName: name, selector: { matchLabels: { app: name } }, template: podTemplate(name, secret) } };
}

/** The same as a DaemonSet (the test cluster has no nodes: no pod is ever made). */
export function reloadingDaemonSet(name: string, secret: string): V1DaemonSet {
  return { metadata: reloadingMetadata(name, secret), spec: { selector: { matchLabels: { app: name } }, template: podTemplate(name, secret) } };
}
