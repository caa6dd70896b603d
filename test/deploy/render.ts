/**
 * Renders the Helm chart (deploy/helm/kseal) with the real `helm` binary from the peer cache
 * (built by test/deploy/install-helm.sh), and derives the plain manifests in deploy/manifests/.
 *
 *   node test/deploy/render.ts          copy config/crd into the chart's crds/, then rewrite
 *                                       deploy/manifests/ from the chart
 *
 * The same functions back the tests that check the committed manifests equal a fresh render and
 * that every documented values combination applies on a real API server.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { basename, join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "..", "..");
export const CHART = join(ROOT, "deploy", "helm", "kseal");
export const MANIFESTS = join(ROOT, "deploy", "manifests");
export const RELEASE = "kseal";
export const NAMESPACE = "kseal-system";

/** The documented values combinations (docs/install.md), each with why it exists. */
export const VALUES_CASES: readonly { readonly name: string; readonly set: readonly string[]; readonly why: string }[] = [
  { name: "defaults", set: [], why: "the plain install: every controller, all namespaces, 2 replicas" },
  { name: "one-namespace", set: ["watchNamespace=team-a"], why: "namespaced rules move from the ClusterRole to a Role in team-a" },
  { name: "sealed-only", set: ["controllers.externalsecret=false", "controllers.sopssecret=false", "controllers.rollout=false"], why: "a Sealed Secrets replacement: no ESO or workload rules" },
  { name: "eso-only", set: ["controllers.sealedsecret=false", "controllers.sopssecret=false"], why: "an ESO replacement with restarts" },
  { name: "single-replica", set: ["replicaCount=1", "leaderElection.enabled=false", "podDisruptionBudget.enabled=false"], why: "a laptop install without leader election" },
  { name: "no-networkpolicy", set: ["networkPolicy.enabled=false"], why: "clusters whose CNI enforces no NetworkPolicy" },
  { name: "servicemonitor", set: ["serviceMonitor.enabled=true", "serviceMonitor.labels.release=prom"], why: "Prometheus Operator scraping (needs its CRD)" },
];

export function helmBin(): string {
  const dir = process.env.KSEAL_PEERS_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "kseal", "peers");
  const bin = join(dir, "bin", "helm");
  if (!existsSync(bin)) throw new Error(`helm is not at ${bin}: run bash test/deploy/install-helm.sh`);
  return bin;
}

/** `helm template` of the chart with `--set` values; returns the multi-document YAML. */
export function helmTemplate(set: readonly string[], opts: { includeCrds?: boolean; namespace?: string; release?: string } = {}): string {
  const args = ["template", opts.release ?? RELEASE, CHART, "--namespace", opts.namespace ?? NAMESPACE];
  if (opts.includeCrds === true) args.push("--include-crds");
  for (const s of set) args.push("--set", s);
  const r = spawnSync(helmBin(), args, { encoding: "utf8", timeout: 60_000 });
  if (r.error !== undefined) throw r.error;
  if (r.status !== 0) throw new Error(`helm ${args.join(" ")} failed:\n${r.stderr}`);
  return r.stdout;
}

/**
 * The manifests directory's files from one render: each template's documents in a file named after
 * the template, the CRDs one per file under crds/, and a kustomization.yaml listing them all.
 */
export function renderManifests(): Map<string, string> {
  const out = new Map<string, string>();
  const text = helmTemplate(["createNamespace=true"], { includeCrds: true });
  // Split only at helm's own document separators: a source file may hold `---` of its own.
  for (const chunk of text.split(/^---\n(?=# Source: )/m)) {
    const m = /^# Source: kseal\/(\S+)\n/.exec(chunk);
    if (m?.[1] === undefined) continue;
    const body = chunk.slice(m[0].length).trimEnd();
    if (body === "") continue;
    const file = m[1].startsWith("crds/") ? m[1] : basename(m[1]);
    const prev = out.get(file);
    out.set(file, prev === undefined ? `${body}\n` : `${prev}---\n${body}\n`);
  }
  const header = "# Generated from deploy/helm/kseal by `node test/deploy/render.ts`; do not edit.\n";
  for (const [f, body] of out) out.set(f, header + body);
  const order = (f: string): string => (f === "namespace.yaml" ? "0" : f.startsWith("crds/") ? "1" : "2") + f;
  const resources = [...out.keys()].sort((a, b) => order(a).localeCompare(order(b)));
  out.set("kustomization.yaml", `${header}apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${resources.map((r) => `  - ${r}\n`).join("")}`);
  return out;
}

/** Every file under deploy/manifests, relative, as committed on disk. */
export function listManifestFiles(dir = MANIFESTS): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

function main(): void {
  const crds = join(ROOT, "config", "crd");
  rmSync(join(CHART, "crds"), { recursive: true, force: true });
  mkdirSync(join(CHART, "crds"));
  for (const f of readdirSync(crds).filter((n) => n.endsWith(".yaml"))) copyFileSync(join(crds, f), join(CHART, "crds", f));
  const files = renderManifests();
  rmSync(MANIFESTS, { recursive: true, force: true });
  for (const [f, body] of files) {
    mkdirSync(join(MANIFESTS, f, ".."), { recursive: true });
    writeFileSync(join(MANIFESTS, f), body);
  }
  console.log(`wrote ${String(files.size)} files to deploy/manifests`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === import.meta.filename) main();
