/**
 * A kubeconfig whose cluster `server` is plain `http://` (`kubectl proxy`, a local dev API server)
 * is one kubectl talks to without TLS. client-node refuses such a server unless the cluster says
 * `insecure-skip-tls-verify`, and the CLI used to end in an internal error. There is no TLS to
 * verify on an http:// server, so the CLI marks those clusters as kubectl treats them; https://
 * clusters are left exactly as written.
 */
import type { KubeConfig } from "@kubernetes/client-node";

/** Marks every `http://` cluster of `kc` as needing no TLS verification (in place); returns `kc`. */
export function allowPlainHttp(kc: KubeConfig): KubeConfig {
  kc.clusters = kc.clusters.map((c) => (/^http:\/\//i.test(c.server) && !c.skipTLSVerify ? { ...c, skipTLSVerify: true } : c));
  return kc;
}
