/**
 * The few API-server calls the kubeseal-compatible CLI makes, all through the service proxy
 * exactly as kubeseal does:
 * `/api/v1/namespaces/<ns>/services/http:<name>:<port-name>/proxy/v1/{cert.pem,verify,rotate}`,
 * where the port name is the first port of the controller's Service.
 * The Kubernetes client is loaded lazily so offline sealing never pays for it.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { KsealError } from "../../../src/errors.ts";
import type { KubeAccess } from "../../../src/kube/access.ts";

export interface KubeTarget {
  readonly kubeconfig?: string;
  readonly context?: string;
  /** The environment to read KUBECONFIG / KUBERNETES_SERVICE_HOST / HOME from. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface KubeResponse {
  readonly status: number;
  readonly body: Buffer;
}

export interface KubeClient {
  readonly namespace: string;
  request(method: "GET" | "POST", path: string, body?: Uint8Array, contentType?: string): Promise<KubeResponse>;
}

/**
 * Loads the kubeconfig: the flag, else the first existing file of $KUBECONFIG, else
 * ~/.kube/config, else the in-cluster service account. Throws KUBE_CONFIG_MISSING when there is
 * none or it cannot be loaded (like kubeseal, kseal never guesses a localhost API server).
 */
export async function kubeClient(target: KubeTarget): Promise<KubeClient> {
  // Loaded here, not at the top: offline commands (seal --cert, reseal, validate from a file)
  // never talk to a cluster.
  const [{ loadKubeConfig }, { send, readBody }] = await Promise.all([import("../../../src/kube/load-kubeconfig.ts"), import("../../../src/kube/transport.ts")]);
  const candidates =
    target.kubeconfig !== undefined && target.kubeconfig !== ""
      ? [target.kubeconfig]
      : [...(target.env.KUBECONFIG ?? "").split(delimiter).filter((f) => f !== ""), join(target.env.HOME ?? homedir(), ".kube", "config")];
  const file = candidates.find((f) => existsSync(f));
  if (file === undefined && (target.env.KUBERNETES_SERVICE_HOST ?? "") === "") {
    throw new KsealError("KUBE_CONFIG_MISSING", "no kubeconfig is available");
  }
  let access: KubeAccess;
  try {
    access = loadKubeConfig({ kubeconfig: file, context: target.context, env: target.env });
  } catch (e: unknown) {
    // One code for "no usable kubeconfig", as the CLI has always said; the loader's message says why.
    if (e instanceof KsealError) throw new KsealError("KUBE_CONFIG_MISSING", `cannot load the kubeconfig: ${e.message}`, { cause: e, details: { ...e.details } });
    throw new KsealError("KUBE_CONFIG_MISSING", "cannot load the kubeconfig", { cause: e });
  }
  return {
    namespace: access.namespace ?? "default",
    async request(method, path, body, contentType = "application/json") {
      const { headers, agent } = await access.credentials();
      try {
        const res = await send(new URL(access.server + path), {
          method,
          headers: {
            ...headers,
            accept: "application/json, application/x-pem-file, */*",
            ...(body === undefined ? {} : { "content-type": contentType }),
          },
          ...(body === undefined ? {} : { body: Buffer.from(body) }),
          agent,
        });
        return { status: res.statusCode, body: await readBody(res) };
      } catch (e: unknown) {
        throw new KsealError("KUBE_UNREACHABLE", "cannot reach the Kubernetes API server", { cause: e });
      }
    },
  };
}

/** The controller's service proxy path for `suffix` (e.g. `/v1/cert.pem`). */
export async function controllerProxyPath(client: KubeClient, namespace: string, name: string, suffix: string): Promise<string> {
  const res = await client.request("GET", `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(name)}`);
  if (res.status !== 200) {
    throw new KsealError(
      "SEALING_CONTROLLER_NOT_FOUND",
      `cannot get the sealed secrets service ${namespace}/${name} (HTTP ${res.status}); use --controller-name and --controller-namespace`,
    );
  }
  let portName = "";
  try {
    const svc = JSON.parse(res.body.toString("utf8")) as { spec?: { ports?: { name?: string }[] } };
    portName = svc.spec?.ports?.[0]?.name ?? "";
  } catch {
    // a Service without readable ports: kubeseal would use the empty port name as well
  }
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/http:${encodeURIComponent(name)}:${encodeURIComponent(portName)}/proxy${suffix}`;
}
