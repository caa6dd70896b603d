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
import type { KubeOverrides } from "../../../src/kube/overrides.ts";

export interface KubeTarget {
  readonly kubeconfig?: string;
  readonly context?: string;
  /** The environment to read KUBECONFIG / KUBERNETES_SERVICE_HOST / HOME from. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** kubectl's connection flags (`--server`, `--token`, `--as`, …), applied over the context. */
  readonly overrides?: KubeOverrides;
  /** `--request-timeout` in milliseconds, each request's whole life (headers and body); 0 or absent: none. */
  readonly requestTimeoutMs?: number;
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
 * ~/.kube/config, else (with `--server`) the connection flags alone, else the in-cluster service
 * account; the connection flags override whichever kubeconfig it is. Throws KUBE_CONFIG_MISSING
 * when there is none or it cannot be loaded (like kubeseal, kseal never guesses a localhost API
 * server). Its requests throw KUBE_UNREACHABLE, KUBE_TIMEOUT (`--request-timeout`), and for the
 * API server's own refusals KUBE_UNAUTHORIZED (401) and KUBE_FORBIDDEN (403); other statuses are
 * the caller's to judge.
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
  const overrides = target.overrides ?? {};
  if (file === undefined && overrides.server === undefined && (target.env.KUBERNETES_SERVICE_HOST ?? "") === "") {
    throw new KsealError("KUBE_CONFIG_MISSING", "no kubeconfig is available");
  }
  let access: KubeAccess;
  try {
    access = loadKubeConfig({ kubeconfig: file, context: target.context, env: target.env, overrides });
  } catch (e: unknown) {
    // One code for "no usable kubeconfig", as the CLI has always said; the loader's message says why.
    if (e instanceof KsealError) throw new KsealError("KUBE_CONFIG_MISSING", `cannot load the kubeconfig: ${e.message}`, { cause: e, details: { ...e.details } });
    throw new KsealError("KUBE_CONFIG_MISSING", "cannot load the kubeconfig", { cause: e });
  }
  const timeoutMs = target.requestTimeoutMs ?? 0;
  return {
    namespace: access.namespace ?? "default",
    async request(method, path, body, contentType = "application/json") {
      const { headers, agent } = await access.credentials();
      const signal = timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined;
      let res: KubeResponse;
      try {
        const sent = await send(new URL(access.server + path), {
          method,
          headers: {
            ...headers,
            accept: "application/json, application/x-pem-file, */*",
            ...(body === undefined ? {} : { "content-type": contentType }),
          },
          ...(body === undefined ? {} : { body: Buffer.from(body) }),
          ...(signal === undefined ? {} : { signal }),
          agent,
        });
        res = { status: sent.statusCode, body: await readBody(sent) };
      } catch (e: unknown) {
        if (signal?.aborted === true) {
          throw new KsealError("KUBE_TIMEOUT", `the Kubernetes API server did not answer within the --request-timeout of ${seconds(timeoutMs)}`, { cause: e });
        }
        throw new KsealError("KUBE_UNREACHABLE", "cannot reach the Kubernetes API server", { cause: e });
      }
      refused(res);
      return res;
    },
  };
}

function seconds(ms: number): string {
  return `${String(ms / 1000)}s`;
}

/**
 * The API server's own refusals, which no caller can fix by another --controller-name: a 401
 * (the credentials) and a 403 with the API server's message, which names the user and the
 * permission missing — what makes an `--as` or RBAC problem plain. Only a Kubernetes Status
 * object's message is quoted, cut short; a proxied controller's body never is.
 */
function refused(res: KubeResponse): void {
  if (res.status !== 401 && res.status !== 403) return;
  let message = "";
  try {
    const status = JSON.parse(res.body.toString("utf8")) as { kind?: unknown; message?: unknown };
    if (status.kind === "Status" && typeof status.message === "string") message = status.message.slice(0, 400);
  } catch {
    // not a Status: say only what the code says
  }
  if (res.status === 401) {
    throw new KsealError("KUBE_UNAUTHORIZED", "the Kubernetes API server rejected the credentials (HTTP 401 Unauthorized); check --token or the kubeconfig's user");
  }
  throw new KsealError("KUBE_FORBIDDEN", `the Kubernetes API server refused the request (HTTP 403 Forbidden)${message === "" ? "" : `: ${message}`}`);
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
