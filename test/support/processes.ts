/**
 * How the tests, the benchmarks and the demo launch kseal-operator and the Bitnami sealed-secrets
 * controller. No vitest here, so bench/ and scripts/ can import it.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { peerBin, peersDir } from "../peers/process.ts";
import { OPERATOR_NODE_FLAGS, operatorAllocatorEnv } from "../../src/operator/node-flags.ts";

/** The entry point the tests run: the .ts sources on Node 24. */
export const OPERATOR_MAIN = resolve(import.meta.dirname, "..", "..", "src/operator/main.ts");
const ROOT = resolve(import.meta.dirname, "..", "..");

/** The entry point the image ships (tsc output of src/operator/main.ts, `npm run build`). */
export const BUILT_OPERATOR_MAIN = resolve(ROOT, "dist/src/operator/main.js");

/** Compiles src/ and cli/ into dist/ as `npm run build` and the Dockerfile's build stage do. */
export function buildDist(): void {
  execFileSync(process.execPath, [resolve(ROOT, "node_modules/typescript/bin/tsc"), "-p", resolve(ROOT, "tsconfig.build.json")], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
}

/**
 * kseal-operator's environment additions: the allocator it ships with (the image's LD_PRELOAD and
 * MALLOC_CONF, src/operator/node-flags.ts), the library taken from the peer cache
 * (`test/peers/install.sh jemalloc`). Throws when it is missing: a missing peer fails, never skips.
 */
export function operatorEnv(): Record<string, string> {
  const library = join(peersDir(), "lib", "libjemalloc.so.2");
  if (!existsSync(library)) throw new Error(`jemalloc is missing at ${library}: run \`npm run peers:install\` (test/peers/install.sh jemalloc) first`);
  return operatorAllocatorEnv(library);
}

/**
 * kseal-operator's arguments for `process.execPath`: the Node flags it ships with, then
 * src/operator/main.ts (or `main`, e.g. {@link BUILT_OPERATOR_MAIN}) scoped to one namespace, ports on loopback chosen by the OS (`apiPort` fixes
 * the API port), no key renewal; `extra` last.
 */
export function operatorArgs(opts: { kubeconfig: string | undefined; namespace: string; apiPort?: number; main?: string }, extra: readonly string[] = []): string[] {
  return [
    ...OPERATOR_NODE_FLAGS,
    opts.main ?? OPERATOR_MAIN,
    ...(opts.kubeconfig === undefined ? [] : [`--kubeconfig=${opts.kubeconfig}`]),
    `--namespace=${opts.namespace}`,
    `--watch-namespace=${opts.namespace}`,
    "--metrics-port=0",
    `--api-port=${String(opts.apiPort ?? 0)}`,
    "--bind-host=127.0.0.1",
    "--key-renew-period=0",
    ...extra,
  ];
}

/**
 * Command, arguments and environment that run the Bitnami controller (peer binary
 * `sealed-secrets-controller`) against `kube`, watching `namespace` only; `args` are appended.
 *
 * Why a private mount namespace: the controller has no kubeconfig flag — it calls client-go's
 * `rest.InClusterConfig()`, which reads KUBERNETES_SERVICE_HOST/PORT and the fixed files
 * `/var/run/secrets/kubernetes.io/serviceaccount/{token,ca.crt}`. Those files are written under
 * `<dir>/run` and bind-mounted over `/run` (= `/var/run`) inside `unshare -m`, so the controller sees
 * a pod-like layout and nothing outside its process changes. Its own namespace comes from
 * POD_NAMESPACE (checked before the serviceaccount file); `--all-namespaces=false` makes it watch
 * that namespace only.
 */
export function bitnamiInCluster(
  dir: string,
  kube: { server: string; caFile: string; token: string },
  namespace: string,
  args: readonly string[],
): { command: string; args: string[]; env: Record<string, string> } {
  const pod = inCluster(dir, kube, namespace, peerBin("sealed-secrets-controller"), ["--all-namespaces=false", ...args]);
  return { ...pod, env: { ...pod.env, POD_NAMESPACE: namespace } };
}

/**
 * `command args` as if in a pod of `namespace` (see {@link bitnamiInCluster}): the service account
 * files under `<dir>/run`, bind-mounted over `/run` inside `unshare -m`, and the API server in
 * KUBERNETES_SERVICE_HOST/PORT. Returns what to spawn and the environment to add.
 */
export function inCluster(
  dir: string,
  kube: { server: string; caFile: string; token: string },
  namespace: string,
  command: string,
  args: readonly string[],
): { command: string; args: string[]; env: Record<string, string> } {
  const run = join(dir, "run");
  const sa = join(run, "secrets", "kubernetes.io", "serviceaccount");
  mkdirSync(sa, { recursive: true });
  writeFileSync(join(sa, "token"), kube.token);
  writeFileSync(join(sa, "ca.crt"), readFileSync(kube.caFile));
  writeFileSync(join(sa, "namespace"), namespace);
  const server = new URL(kube.server);
  return {
    command: "unshare",
    args: ["-m", "--propagation", "private", "sh", "-c", 'mount --bind "$0" /run && exec "$@"', run, command, ...args],
    env: {
      KUBERNETES_SERVICE_HOST: server.hostname,
      KUBERNETES_SERVICE_PORT: server.port === "" ? "443" : server.port,
    },
  };
}

/** The bearer token of the admin kubeconfig the harness wrote (static token auth). */
export function adminToken(kubeconfig: string): string {
  const doc = parse(readFileSync(kubeconfig, "utf8")) as { users?: { user?: { token?: string } }[] };
  const token = doc.users?.[0]?.user?.token;
  if (token === undefined || token === "") throw new Error(`no bearer token in ${kubeconfig}`);
  return token;
}
