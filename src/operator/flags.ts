/**
 * `kseal-operator` flags, parsed purely so they are unit-tested and documented in one place.
 * Names follow the Bitnami controller and ESO where they overlap (`--key-renew-period`,
 * `--key-cutoff-time`, `--concurrent`, `--enable-leader-election`), so existing deployment
 * arguments carry over.
 */
import { parseArgs } from "node:util";
import { KsealError } from "../errors.ts";
import { goDurationMs } from "../support/go-duration.ts";

export const CONTROLLERS = ["externalsecret", "sealedsecret", "sopssecret", "rollout"] as const;
export type ControllerName = (typeof CONTROLLERS)[number];

export interface OperatorFlags {
  readonly kubeconfig: string | undefined;
  readonly context: string | undefined;
  /** The operator's own namespace: key Secrets, the leader Lease, the HMAC key. */
  readonly namespace: string;
  readonly leaderElect: boolean;
  readonly leaseName: string;
  readonly metricsPort: number;
  readonly apiPort: number;
  readonly bindHost: string;
  readonly concurrency: number;
  readonly controllers: ReadonlySet<ControllerName>;
  readonly keyRenewPeriodMs: number;
  readonly keyCutoffTime: Date | null;
  readonly keyPrefix: string;
  readonly keyCommonName: string;
  readonly logLevel: string | undefined;
  readonly instance: string;
  readonly unsealWorkers: number | undefined;
  readonly restartDebounceMs: number;
  /** Watch only this namespace (ESO's `--namespace`); undefined watches all. */
  readonly watchNamespace: string | undefined;
  /** Store calls per second and burst per store (every provider); undefined: per-provider defaults. */
  readonly storeRate: { readonly perSecond: number; readonly burst: number } | undefined;
}

export const OPERATOR_HELP = `usage: kseal-operator [flags]

  --kubeconfig PATH           out-of-cluster kubeconfig (in-cluster config otherwise)
  --context NAME              kubeconfig context
  --namespace NS              the operator's namespace (default: $POD_NAMESPACE or kseal-system)
  --enable-leader-election    leader election on a Lease (default true; --no-enable-leader-election)
  --lease-name NAME           default kseal-operator
  --metrics-port N            /metrics, /healthz, /readyz (default 8081)
  --api-port N                /v1/cert.pem, /v1/verify, /v1/rotate, /v1/age-recipients (default 8080)
  --bind-host ADDR            default 0.0.0.0
  --concurrent N              reconciles at once per controller (default 50)
  --controllers LIST          comma-separated of ${CONTROLLERS.join(",")} (default all)
  --key-renew-period DUR      sealing key renewal period, e.g. 720h; 0 disables (default 720h)
  --key-cutoff-time RFC3339   create a new sealing key if the newest is older than this
  --key-prefix NAME           generateName of key Secrets (default sealed-secrets-key)
  --my-cn CN                  common name of new sealing certificates (default sealed-secret)
  --unseal-workers N          worker threads for unsealing (default: one per core)
  --restart-debounce DUR      rollout-restart debounce window (default 10s)
  --watch-namespace NS        watch resources in this namespace only (default: all namespaces)
  --store-qps N               secret-store calls per second per store (default 1000; Azure 200)
  --store-burst N             secret-store call burst per store (default 2 × --store-qps)
  --log-level LEVEL           trace|debug|info|warn|error (default info)
`;

/** A flag's Go duration (720h, 10s, 1h30m, 250ms; src/support/go-duration.ts), in milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const ms = goDurationMs(text);
  if (ms === undefined) throw new KsealError("CLI_USAGE", `${flag}: "${text}" is not a duration like 720h, 10s or 1h30m`);
  return ms;
}

function port(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new KsealError("CLI_USAGE", `${flag}: "${text}" is not a port`);
  return n;
}

export function parseOperatorFlags(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): OperatorFlags {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      allowNegative: true,
      options: {
        kubeconfig: { type: "string" },
        context: { type: "string" },
        namespace: { type: "string" },
        "enable-leader-election": { type: "boolean", default: true },
        "lease-name": { type: "string", default: "kseal-operator" },
        "metrics-port": { type: "string" },
        "api-port": { type: "string" },
        "bind-host": { type: "string", default: "0.0.0.0" },
        concurrent: { type: "string", default: "50" },
        controllers: { type: "string" },
        "key-renew-period": { type: "string", default: "720h" },
        "key-cutoff-time": { type: "string" },
        "key-prefix": { type: "string", default: "sealed-secrets-key" },
        "my-cn": { type: "string", default: "sealed-secret" },
        "unseal-workers": { type: "string" },
        "restart-debounce": { type: "string", default: "10s" },
        "log-level": { type: "string" },
        "watch-namespace": { type: "string" },
        "store-qps": { type: "string" },
        "store-burst": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (e: unknown) {
    throw new KsealError("CLI_USAGE", e instanceof Error ? e.message : "bad flags");
  }
  if (values.help === true) throw new KsealError("CLI_HELP", OPERATOR_HELP);
  const concurrency = Number(values.concurrent);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new KsealError("CLI_USAGE", `--concurrent: "${values.concurrent}" is not a positive integer`);
  const controllers = new Set<ControllerName>();
  for (const c of (values.controllers ?? CONTROLLERS.join(",")).split(",").map((s) => s.trim()).filter((s) => s !== "")) {
    if (!(CONTROLLERS as readonly string[]).includes(c)) {
      throw new KsealError("CLI_USAGE", `--controllers: unknown controller "${c}" (known: ${CONTROLLERS.join(", ")})`);
    }
    controllers.add(c as ControllerName);
  }
  let keyCutoffTime: Date | null = null;
  if (values["key-cutoff-time"] !== undefined) {
    keyCutoffTime = new Date(values["key-cutoff-time"]);
    if (Number.isNaN(keyCutoffTime.getTime())) throw new KsealError("CLI_USAGE", `--key-cutoff-time: "${values["key-cutoff-time"]}" is not an RFC 3339 time`);
  }
  let unsealWorkers: number | undefined;
  if (values["unseal-workers"] !== undefined) {
    unsealWorkers = Number(values["unseal-workers"]);
    if (!Number.isInteger(unsealWorkers) || unsealWorkers < 1) throw new KsealError("CLI_USAGE", `--unseal-workers: "${values["unseal-workers"]}" is not a positive integer`);
  }
  const positive = (flag: string, text: string): number => {
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) throw new KsealError("CLI_USAGE", `${flag}: "${text}" is not a positive number`);
    return n;
  };
  let storeRate: OperatorFlags["storeRate"];
  if (values["store-qps"] !== undefined || values["store-burst"] !== undefined) {
    if (values["store-qps"] === undefined) throw new KsealError("CLI_USAGE", "--store-burst needs --store-qps");
    const perSecond = positive("--store-qps", values["store-qps"]);
    const burst = values["store-burst"] === undefined ? 2 * perSecond : positive("--store-burst", values["store-burst"]);
    if (burst < 1) throw new KsealError("CLI_USAGE", `--store-burst: "${values["store-burst"] ?? ""}" must be at least 1`);
    storeRate = { perSecond, burst };
  }
  return {
    kubeconfig: values.kubeconfig ?? (env.KUBECONFIG === "" ? undefined : env.KUBECONFIG),
    context: values.context,
    namespace: values.namespace ?? (env.POD_NAMESPACE !== undefined && env.POD_NAMESPACE !== "" ? env.POD_NAMESPACE : "kseal-system"),
    leaderElect: values["enable-leader-election"],
    leaseName: values["lease-name"],
    metricsPort: port(values["metrics-port"], 8081, "--metrics-port"),
    apiPort: port(values["api-port"], 8080, "--api-port"),
    bindHost: values["bind-host"],
    concurrency,
    controllers,
    keyRenewPeriodMs: parseDuration(values["key-renew-period"], "--key-renew-period"),
    keyCutoffTime,
    keyPrefix: values["key-prefix"],
    keyCommonName: values["my-cn"],
    logLevel: values["log-level"],
    instance: env.POD_NAME ?? env.HOSTNAME ?? "kseal-operator",
    unsealWorkers,
    restartDebounceMs: parseDuration(values["restart-debounce"], "--restart-debounce"),
    watchNamespace: values["watch-namespace"] === "" ? undefined : values["watch-namespace"],
    storeRate,
  };
}
