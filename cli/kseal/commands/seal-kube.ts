/**
 * The few API-server calls the kubeseal-compatible CLI makes, all through the service proxy
 * exactly as kubeseal does:
 * `/api/v1/namespaces/<ns>/services/http:<name>:<port-name>/proxy/v1/{cert.pem,verify,rotate}`,
 * where the port name is the first port of the controller's Service.
 * The Kubernetes client is loaded lazily so offline sealing never pays for it.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { KsealError } from "../../../src/errors.ts";

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
 * none (like kubeseal, kseal never guesses a localhost API server).
 */
export async function kubeClient(target: KubeTarget): Promise<KubeClient> {
  // Loaded here, not at the top: client-node takes most of a second to import, and offline
  // commands (seal --cert, reseal, validate from a file) never talk to a cluster.
  const [{ KubeConfig }, { allowPlainHttp }] = await Promise.all([import("@kubernetes/client-node"), import("../../../src/kube/client-node-access.ts")]);
  const kc = new KubeConfig();
  const candidates =
    target.kubeconfig !== undefined && target.kubeconfig !== ""
      ? [target.kubeconfig]
      : [...(target.env.KUBECONFIG ?? "").split(delimiter).filter((f) => f !== ""), join(target.env.HOME ?? homedir(), ".kube", "config")];
  const file = candidates.find((f) => existsSync(f));
  try {
    if (file !== undefined) kc.loadFromFile(file);
    else if (target.env.KUBERNETES_SERVICE_HOST !== undefined) kc.loadFromCluster();
    else throw new KsealError("KUBE_CONFIG_MISSING", "no kubeconfig is available");
    if (target.context !== undefined && target.context !== "") kc.setCurrentContext(target.context);
  } catch (e: unknown) {
    if (e instanceof KsealError) throw e;
    throw new KsealError("KUBE_CONFIG_MISSING", "cannot load the kubeconfig", { cause: e });
  }
  allowPlainHttp(kc);
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new KsealError("KUBE_CONFIG_MISSING", "no kubeconfig cluster is selected");
  const namespace = kc.getContextObject(kc.getCurrentContext())?.namespace ?? "default";
  const server = new URL(cluster.server);
  return {
    namespace,
    async request(method, path, body, contentType = "application/json") {
      const opts: RequestOptions = {
        method,
        protocol: server.protocol,
        hostname: server.hostname,
        port: server.port,
        path: server.pathname.replace(/\/$/, "") + path,
        headers: { Accept: "application/json, application/x-pem-file, */*", ...(body === undefined ? {} : { "Content-Type": contentType }) },
      };
      await kc.applyToHTTPSOptions(opts);
      return await new Promise<KubeResponse>((resolve, reject) => {
        const req = (server.protocol === "http:" ? httpRequest : httpsRequest)(opts, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
          });
          res.on("error", reject);
        });
        req.on("error", (e: unknown) => {
          reject(new KsealError("KUBE_UNREACHABLE", "cannot reach the Kubernetes API server", { cause: e }));
        });
        req.end(body === undefined ? undefined : Buffer.from(body));
      });
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
