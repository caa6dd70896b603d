/**
 * OpenBao `kubernetes` auth checking service-account tokens against the test API server through
 * TokenReview, for tests that log in to OpenBao as a ServiceAccount.
 */
import { readFileSync } from "node:fs";
import { RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { inject } from "vitest";
import { enableKubernetesAuth } from "../peers/openbao.ts";
import type { TestKube } from "../support/kube.ts";

/**
 * Creates ServiceAccount `namespace/reviewer`, binds it to `system:auth-delegator` with the
 * ClusterRoleBinding `binding` (the caller deletes it afterwards), and configures the kubernetes
 * auth method at `mount` to call TokenReview with a one-hour token of that account.
 */
export async function enableTokenReviewAuth(
  kube: TestKube,
  o: { readonly namespace: string; readonly reviewer: string; readonly binding: string; readonly mount: string },
): Promise<void> {
  const peers = inject("peers");
  await kube.core.createNamespacedServiceAccount({ namespace: o.namespace, body: { metadata: { name: o.reviewer } } });
  await kube.kc.makeApiClient(RbacAuthorizationV1Api).createClusterRoleBinding({
    body: {
      metadata: { name: o.binding },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:auth-delegator" },
      subjects: [{ kind: "ServiceAccount", name: o.reviewer, namespace: o.namespace }],
    },
  });
  const token = await kube.core.createNamespacedServiceAccountToken({
    namespace: o.namespace, name: o.reviewer, body: { spec: { expirationSeconds: 3600 } },
  });
  await enableKubernetesAuth(peers.vault, {
    kubernetesHost: peers.kube.server, caPem: readFileSync(peers.kube.caFile, "utf8"), reviewerJwt: token.status?.token ?? "", mount: o.mount,
  });
}
