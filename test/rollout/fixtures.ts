// What the rollout integration tests deploy: a Deployment of no replicas that asks, by Reloader's
// annotation, to be restarted when `secret` changes, and reads it through envFrom.
import type { V1Deployment } from "@kubernetes/client-node";

export function reloadingDeployment(name: string, secret: string): V1Deployment {
  return {
    metadata: { name, annotations: { "secret.reloader.stakater.com/reload": secret } },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "app", image: "registry.invalid/app:1", envFrom: [{ secretRef: { name: secret } }] }] } },
    },
  };
}
