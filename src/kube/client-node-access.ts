/**
 * A @kubernetes/client-node KubeConfig as a {@link KubeAccess}: for the kubeconfig users only
 * client-node serves (`exec` plugins, legacy `auth-provider`s, clusters behind a `proxy-url`),
 * which access.ts imports this module for on their first request, and for callers that already
 * hold a client-node KubeConfig. Importing this module imports client-node — keep it off every
 * static import path of the operator.
 */
import type { RequestOptions } from "node:https";
import { KubeConfig } from "@kubernetes/client-node";
import { KsealError } from "../errors.ts";
import type { KubeAccess } from "./access.ts";
import { HttpAgent } from "./transport.ts";

/**
 * Marks every plain `http://` cluster of `kc` as needing no TLS verification (in place); returns `kc`.
 * Such a server (`kubectl proxy`, a local dev API server) is one kubectl talks to without TLS, but
 * client-node refuses it unless the cluster says `insecure-skip-tls-verify`. There is no TLS to
 * verify on http://, so nothing is weakened; https:// clusters are left exactly as written.
 */
export function allowPlainHttp(kc: KubeConfig): KubeConfig {
  kc.clusters = kc.clusters.map((c) => (/^http:\/\//i.test(c.server) && !c.skipTLSVerify ? { ...c, skipTLSVerify: true } : c));
  return kc;
}

/**
 * Access through `kc`'s current context: client-node computes the headers (running the exec
 * plugin or auth provider as it sees fit) and the agent (TLS settings, or the `proxy-url`'s proxy
 * agent). Throws `KUBE_CONFIG_INVALID` when `kc` has no current cluster.
 */
export function clientNodeAccess(kc: KubeConfig): KubeAccess {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new KsealError("KUBE_CONFIG_INVALID", "the kubeconfig has no current cluster");
  const server = cluster.server.replace(/\/+$/, "");
  return {
    server,
    namespace: kc.getContextObject(kc.getCurrentContext())?.namespace,
    async credentials() {
      const opts: RequestOptions = {};
      // client-node caches the agent per cluster and user, so every call hands back one pool.
      await kc.applyToHTTPSOptions(opts);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(opts.headers ?? {})) {
        if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : String(v);
      }
      // A basic-auth user comes back as `auth`, which node:http would turn into this header.
      if (typeof opts.auth === "string" && opts.auth !== "" && headers.authorization === undefined) {
        headers.authorization = `Basic ${Buffer.from(opts.auth).toString("base64")}`;
      }
      const agent: HttpAgent | boolean | undefined = opts.agent;
      if (!(agent instanceof HttpAgent)) throw new KsealError("KUBE_CONFIG_INVALID", "client-node gave no connection agent for the kubeconfig's cluster");
      return { headers, agent };
    },
  };
}

/**
 * {@link clientNodeAccess} of `context` in the kubeconfig file `path`, plain http:// servers
 * allowed ({@link allowPlainHttp}). Throws `KUBE_CONFIG_INVALID` with `details.path` when
 * client-node cannot load it.
 */
export function clientNodeAccessFromFile(path: string, context: string): KubeAccess {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (e: unknown) {
    throw new KsealError("KUBE_CONFIG_INVALID", "cannot load the kubeconfig file", { cause: e, details: { path } });
  }
  kc.setCurrentContext(context);
  return clientNodeAccess(allowPlainHttp(kc));
}
