/**
 * The one entry point to cluster access: `--kubeconfig PATH` (and `--context`), else `--server`
 * and the other kubectl connection flags alone, else the in-cluster service account. Loads nothing from @kubernetes/client-node (see access.ts for the users that
 * still need it).
 */
import { KsealError } from "../errors.ts";
import { kubeAccess, type KubeAccess, type ResolvedAccess } from "./access.ts";
import { inCluster, resolveInCluster, type InClusterOptions } from "./in-cluster.ts";
import { resolveKubeconfigFile, resolveOverridesOnly } from "./kubeconfig-file.ts";
import { hasOverrides, type KubeOverrides } from "./overrides.ts";

export interface LoadOptions extends InClusterOptions {
  /** A kubeconfig file (`--kubeconfig PATH`). Without it the in-cluster service account is used. */
  readonly kubeconfig?: string | undefined;
  /** Overrides the kubeconfig's current context. */
  readonly context?: string | undefined;
  /** kubectl's connection flags, applied over the context (see overrides.ts). */
  readonly overrides?: KubeOverrides | undefined;
}

/**
 * The settings {@link loadKubeConfig} would use, as data. Throws `KUBE_CONFIG_MISSING` when there
 * is neither a kubeconfig nor a cluster to run in, `KUBE_CONFIG_INVALID` (with `details.path`) when
 * the kubeconfig or a file it names cannot be read or makes no sense.
 */
export function resolveKubeConfig(options: LoadOptions = {}): ResolvedAccess {
  const overrides = options.overrides ?? {};
  if (options.kubeconfig !== undefined && options.kubeconfig !== "") return resolveKubeconfigFile(options.kubeconfig, options.context, overrides);
  if (overrides.server !== undefined) return resolveOverridesOnly(overrides);
  if (inCluster(options.env)) {
    // The service account is not a kubeconfig the flags could be applied to; ignoring them
    // would send requests as someone the caller did not ask for.
    if (hasOverrides(overrides)) throw new KsealError("KUBE_CONFIG_MISSING", "connection flags need a kubeconfig or --server (in a cluster, the service account is used as is)");
    return resolveInCluster(options);
  }
  throw new KsealError("KUBE_CONFIG_MISSING", "no --kubeconfig given and not running in a cluster");
}

/**
 * Access to the cluster of `--kubeconfig PATH` (its current context, or `context`), else of the
 * in-cluster service account. Plain `http://` servers are used without TLS, as kubectl does.
 * Throws as {@link resolveKubeConfig}; files are read now, so a broken configuration stops start-up.
 */
export function loadKubeConfig(options: LoadOptions = {}): KubeAccess {
  return kubeAccess(resolveKubeConfig(options));
}
