/**
 * The one-command local demo:
 *
 *   node scripts/demo.ts [--once] [--kubeconfig PATH]
 *
 * Starts a local control plane (etcd + kube-apiserver + kube-controller-manager) and OpenBao from
 * the peer cache (building them the first time), runs kseal-operator against them, applies
 * examples/ into the `kseal-demo` namespace and tells the story as it happens: Secrets appearing
 * (keys and sizes, never values), a value rotated in OpenBao, the Secret updated and the
 * Deployment's restart annotation bumped, a tampered SealedSecret rejected with its reason.
 *
 * --once ends after the story; otherwise Ctrl-C ends it. Either way everything it started is
 * stopped and its work directory removed. With --kubeconfig it targets that cluster instead of the
 * embedded one and touches only the `kseal-demo` namespace (plus the kseal CRDs if they are
 * missing); the namespace is deleted at the end.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parse, parseAllDocuments } from "yaml";
import { runCliCaptured } from "../cli/kseal/run.ts";
import { DEPLOYMENTS, KubeHttp, SECRETS, type KubeObject, type ResourceType } from "../src/kube/client.ts";
import { loadKubeConfig } from "../src/kube/load-kubeconfig.ts";
import { startKube } from "../test/peers/kube.ts";
import { baoApi, start as startOpenBao } from "../test/peers/openbao.ts";
import { peerBin, waitFor } from "../test/peers/process.ts";
import { operatorArgs, operatorEnv } from "../test/support/processes.ts";

const ROOT = resolve(import.meta.dirname, "..");
const EXAMPLES = join(ROOT, "examples");
const NS = "kseal-demo";
const STEP_TIMEOUT_MS = 120_000;

const res = (group: string, version: string, plural: string, kind: string, namespaced = true): ResourceType => ({ group, version, plural, kind, namespaced });
const NAMESPACES = res("", "v1", "namespaces", "Namespace", false);
const CRDS = res("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false);
const SEALED = res("bitnami.com", "v1alpha1", "sealedsecrets", "SealedSecret");
const SOPS = res("kseal.dev", "v1alpha1", "sopssecrets", "SopsSecret");
const KINDS: Readonly<Record<string, ResourceType>> = {
  SecretStore: res("external-secrets.io", "v1", "secretstores", "SecretStore"),
  ExternalSecret: res("external-secrets.io", "v1", "externalsecrets", "ExternalSecret"),
  Deployment: DEPLOYMENTS,
};
/** The Secrets the story is about; key Secrets and the token are not shown. */
const STORY_SECRETS = new Set(["db", "api", "app"]);
const RESTARTED_AT = "kseal.dev/restartedAt";

function say(line: string): void {
  process.stdout.write(`[demo] ${line}\n`);
}

class Stopped extends Error {}

export async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: { once: { type: "boolean" }, kubeconfig: { type: "string" }, help: { type: "boolean", short: "h" } } });
  if (values.help === true) {
    process.stdout.write("usage: node scripts/demo.ts [--once] [--kubeconfig PATH]\n");
    return 0;
  }
  const abort = new AbortController();
  const onSignal = (): void => {
    say("stopping…");
    abort.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const work = mkdtempSync(join(tmpdir(), "kseal-demo-"));
  const cleanups: (() => Promise<void>)[] = [];
  let code = 0;
  try {
    await story({ once: values.once === true, kubeconfig: values.kubeconfig, work, signal: abort.signal, cleanups });
  } catch (e: unknown) {
    if (!(e instanceof Stopped)) {
      say(`failed: ${e instanceof Error ? e.message : String(e)}`);
      code = 1;
    }
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
    say("everything stopped, nothing left running");
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  return code;
}

function checkStopped(signal: AbortSignal): void {
  if (signal.aborted) throw new Stopped();
}

async function until<T>(what: string, signal: AbortSignal, fn: () => Promise<T | undefined | false>): Promise<T> {
  return waitFor(what, async () => {
    checkStopped(signal);
    return fn();
  }, STEP_TIMEOUT_MS, 250).catch((e: unknown) => {
    if (signal.aborted) throw new Stopped();
    throw e;
  });
}

function installPeers(names: readonly string[]): void {
  say(`peers: ${names.join(", ")} (built from the registries the first time; cached after)`);
  const r = spawnSync("bash", [join(ROOT, "test/peers/install.sh"), ...names], { stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error("installing the peers failed (see above)");
}

interface Story {
  readonly once: boolean;
  readonly kubeconfig: string | undefined;
  readonly work: string;
  readonly signal: AbortSignal;
  readonly cleanups: (() => Promise<void>)[];
}

async function story(s: Story): Promise<void> {
  const { signal } = s;
  installPeers(s.kubeconfig === undefined ? ["etcd", "kube_apiserver", "kube_controller_manager", "openbao", "sops"] : ["openbao", "sops"]);
  checkStopped(signal);

  let kubeconfig = s.kubeconfig;
  if (kubeconfig === undefined) {
    say("starting the local control plane (etcd, kube-apiserver, kube-controller-manager)…");
    const kube = await startKube({ workDir: join(s.work, "kube"), logDir: join(s.work, "logs") });
    s.cleanups.push(() => kube.stop());
    for (const p of kube.processes) say(`${p.name} pid ${String(p.pid)}`);
    kubeconfig = kube.kubeconfig;
    say(`control plane ready at ${kube.server}`);
  }
  checkStopped(signal);
  say("starting OpenBao (dev mode)…");
  const bao = await startOpenBao({ logDir: join(s.work, "logs") });
  s.cleanups.push(() => bao.process.stop());
  say(`openbao pid ${String(bao.process.pid)} at ${bao.addr}`);

  const http = new KubeHttp(loadKubeConfig({ kubeconfig }));

  await ensureCrds(http, s.kubeconfig !== undefined);
  if (s.kubeconfig !== undefined && (await http.get(NAMESPACES, undefined, NS)) !== null) {
    throw new Error(`namespace ${NS} already exists in that cluster; delete it first (the demo deletes what it creates)`);
  }
  await http.apply(NAMESPACES, undefined, NS, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } }, { fieldManager: "kseal-demo" });
  s.cleanups.push(async () => {
    await http.delete(NAMESPACES, undefined, NS);
  });
  say(`namespace ${NS} created`);

  const op = await startOperatorProcess(kubeconfig, signal);
  s.cleanups.push(() => op.stop());
  say(`kseal-operator pid ${String(op.child.pid ?? -1)} (API ${op.apiUrl})`);

  const watcher = watchStory(http, signal);
  s.cleanups.push(() => watcher.stop());

  // OpenBao: the value the ExternalSecret reads, and the token the SecretStore uses.
  await baoApi(bao, "POST", "secret/data/demo/db", { data: { username: "app", password: `pw-${randomBytes(6).toString("hex")}` } });
  say("OpenBao: wrote secret/demo/db (username, password)");
  await http.apply(SECRETS, NS, "openbao-token", { apiVersion: "v1", kind: "Secret", metadata: { name: "openbao-token", namespace: NS }, stringData: { token: bao.token } }, { fieldManager: "kseal-demo" });

  for (const file of ["deployment-web.yaml", "secretstore-openbao.yaml", "externalsecret-db.yaml"]) {
    const text = readFileSync(join(EXAMPLES, file), "utf8").replace("<openbao-address>", bao.addr);
    const obj = parse(text) as KubeObject & { kind: string; metadata: { name: string } };
    const r = KINDS[obj.kind];
    if (r === undefined) throw new Error(`examples/${file}: unexpected kind ${obj.kind}`);
    await http.apply(r, NS, obj.metadata.name, obj, { fieldManager: "kseal-demo" });
    say(`applied examples/${file} (${obj.kind} ${obj.metadata.name})`);
  }

  const pem = await until("the operator's sealing certificate", signal, async () => {
    const r = await fetch(`${op.apiUrl}/v1/cert.pem`);
    return r.status === 200 ? r.text() : undefined;
  });
  const certFile = join(s.work, "cert.pem");
  writeFileSync(certFile, pem);
  const sealed = await ksealSeal(certFile, s.work, readFileSync(join(EXAMPLES, "sealedsecret-api.plain.yaml"), "utf8"));
  await http.apply(SEALED, NS, "api", sealed, { fieldManager: "kseal-demo" });
  say("applied SealedSecret api (sealed by kseal against /v1/cert.pem)");

  const recipient = await until("the operator's age recipient", signal, async () => {
    const r = await fetch(`${op.apiUrl}/v1/age-recipients`);
    if (r.status !== 200) return undefined;
    return ((await r.json()) as { recipients: string[] }).recipients[0];
  });
  const plainFile = join(s.work, "app.yaml");
  writeFileSync(plainFile, readFileSync(join(EXAMPLES, "sopssecret-app.plain.yaml"), "utf8"));
  const enc = spawnSync(peerBin("sops"), ["encrypt", "--age", recipient, plainFile], { encoding: "utf8", cwd: s.work });
  if (enc.status !== 0) throw new Error(`sops encrypt failed: ${enc.stderr}`);
  await http.apply(SOPS, NS, "app", { apiVersion: "kseal.dev/v1alpha1", kind: "SopsSecret", metadata: { name: "app", namespace: NS }, spec: { sops: enc.stdout } }, { fieldManager: "kseal-demo" });
  say(`applied SopsSecret app (sops-encrypted for ${recipient})`);

  await until("Secrets db, api and app", signal, () => Promise.resolve(["db", "api", "app"].every((n) => watcher.seen.has(n))));

  // The Deployment restarts only on a change after each Secret's first sync; give the rollout
  // controller a moment to take its baselines before rotating.
  await until("rollout baselines", signal, async () => {
    await new Promise((r) => setTimeout(r, 2000));
    return true;
  });
  const before = watcher.restartedAt;
  await baoApi(bao, "POST", "secret/data/demo/db", { data: { username: "app", password: `pw-${randomBytes(6).toString("hex")}` } });
  say("OpenBao: rotated secret/demo/db password");
  const dbVersion = watcher.versions.get("db");
  await until("Secret db updated", signal, () => Promise.resolve(watcher.versions.get("db") !== dbVersion));
  await until("Deployment web restarted", signal, () => Promise.resolve(watcher.restartedAt !== before && watcher.restartedAt !== undefined));

  const tampered = await ksealSeal(certFile, s.work, readFileSync(join(EXAMPLES, "sealedsecret-api.plain.yaml"), "utf8").replace("name: api", "name: api-tampered"));
  flipOneByte(tampered);
  await http.apply(SEALED, NS, "api-tampered", tampered, { fieldManager: "kseal-demo" });
  say("applied SealedSecret api-tampered (one byte of its ciphertext flipped)");
  const cond = await until("api-tampered refused", signal, async () => {
    const o = await http.get<KubeObject & { status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] } }>(SEALED, NS, "api-tampered");
    const c = o?.status?.conditions?.find((x) => x.type === "Synced");
    return c?.status === "False" ? c : undefined;
  });
  say(`SealedSecret api-tampered rejected: ${cond.reason === undefined ? "" : `${cond.reason}: `}${cond.message ?? "(no message)"}`);
  say(`Secret api-tampered ${watcher.seen.has("api-tampered") ? "EXISTS (unexpected)" : "was not created"}`);

  say("story complete");
  if (s.once) return;
  say("watching; Ctrl-C to stop");
  await new Promise<void>((r) => {
    if (signal.aborted) r();
    else signal.addEventListener("abort", () => { r(); }, { once: true });
  });
}

async function ensureCrds(http: KubeHttp, foreign: boolean): Promise<void> {
  for (const f of ["bitnami.com_sealedsecrets.yaml", "external-secrets.io_externalsecrets.yaml", "external-secrets.io_secretstores.yaml",
    "external-secrets.io_clustersecretstores.yaml", "external-secrets.io_clusterexternalsecrets.yaml", "kseal.dev_sopssecrets.yaml"]) {
    for (const doc of parseAllDocuments(readFileSync(join(ROOT, "config/crd", f), "utf8"))) {
      const crd = doc.toJS() as (KubeObject & { metadata: { name: string } }) | null;
      if (crd === null) continue;
      if (foreign && (await http.get(CRDS, undefined, crd.metadata.name)) !== null) continue;
      await http.apply(CRDS, undefined, crd.metadata.name, crd, { fieldManager: "kseal-demo" });
      await waitFor(`CRD ${crd.metadata.name}`, async () => {
        const got = await http.get<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>(CRDS, undefined, crd.metadata.name);
        return got?.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") === true;
      });
      if (foreign) say(`installed CRD ${crd.metadata.name}`);
    }
  }
}

/** kseal's own `seal` command, in process, against the operator's certificate. */
async function ksealSeal(certFile: string, cwd: string, secretYaml: string): Promise<KubeObject & { spec: { encryptedData: Record<string, string> } }> {
  const { code, stdout: out, stderr: err } = await runCliCaptured(["--cert", certFile, "-o", "json"], JSON.stringify(parse(secretYaml)), { cwd });
  if (code !== 0) throw new Error(`kseal seal failed: ${err}`);
  return JSON.parse(out) as KubeObject & { spec: { encryptedData: Record<string, string> } };
}

function flipOneByte(ss: { spec: { encryptedData: Record<string, string> } }): void {
  for (const [k, v] of Object.entries(ss.spec.encryptedData)) {
    const b = Buffer.from(v, "base64");
    const i = b.length - 20;
    b[i] = (b[i] ?? 0) ^ 0x01;
    ss.spec.encryptedData[k] = b.toString("base64");
    return;
  }
}

interface RunningOp { readonly apiUrl: string; readonly child: ChildProcess; stop(): Promise<void> }

async function startOperatorProcess(kubeconfig: string, signal: AbortSignal): Promise<RunningOp> {
  say("starting kseal-operator…");
  const child = spawn(process.execPath, operatorArgs(
    { kubeconfig, namespace: NS },
    ["--lease-name=kseal-demo", "--restart-debounce=1s", "--log-level=info"],
  ), { env: { ...process.env, ...operatorEnv() }, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let buffered = "";
  const onData = (chunk: Buffer): void => {
    buffered += chunk.toString("utf8");
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    lines.push(...parts);
    if (lines.length > 500) lines.splice(0, lines.length - 500);
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = new Promise<void>((r) => child.on("exit", () => { r(); }));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const started = await until("kseal-operator to start", signal, () => {
      if (child.exitCode !== null) throw new Error(`kseal-operator exited ${String(child.exitCode)}:\n${lines.slice(-20).join("\n")}`);
      const line = lines.find((l) => l.includes("kseal-operator running"));
      return Promise.resolve(line === undefined ? undefined : JSON.parse(line) as { apiPort: number });
    });
    return { apiUrl: `http://127.0.0.1:${String(started.apiPort)}`, child, stop };
  } catch (e: unknown) {
    await stop();
    throw e;
  }
}

interface StoryWatcher {
  readonly seen: Set<string>;
  /** A digest of each Secret's data, kept in memory only to notice changes. */
  readonly versions: Map<string, string>;
  readonly restartedAt: string | undefined;
  stop(): Promise<void>;
}

/** Polls the demo namespace and prints what changes: Secret keys and sizes, restart annotations. */
function watchStory(http: KubeHttp, signal: AbortSignal): StoryWatcher {
  const w = { seen: new Set<string>(), versions: new Map<string, string>(), restartedAt: undefined as string | undefined };
  const halt = new AbortController();
  const loop = (async (): Promise<void> => {
    while (!halt.signal.aborted && !signal.aborted) {
      try {
        const list = await http.list<KubeObject & { data?: Record<string, string> }>(SECRETS, { namespace: NS });
        for (const sec of list.items) {
          const name = sec.metadata?.name ?? "";
          if (!STORY_SECRETS.has(name) && name !== "api-tampered") continue;
          const data = sec.data ?? {};
          const digest = createHash("sha256").update(JSON.stringify(Object.entries(data).sort())).digest("hex");
          const sizes = Object.keys(data).sort().map((k) => `${k} (${String(Buffer.from(data[k] ?? "", "base64").length)} B)`).join(", ");
          if (!w.seen.has(name)) {
            w.seen.add(name);
            say(`Secret ${name} appeared: ${sizes}`);
          } else if (w.versions.get(name) !== digest) {
            say(`Secret ${name} updated: ${sizes}`);
          }
          w.versions.set(name, digest);
        }
        const dep = await http.get<KubeObject & { spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } }>(DEPLOYMENTS, NS, "web");
        const at = dep?.spec?.template?.metadata?.annotations?.[RESTARTED_AT];
        if (at !== undefined && at !== w.restartedAt) {
          say(`Deployment web restarted: ${RESTARTED_AT}=${at}`);
          w.restartedAt = at;
        }
      } catch {
        // The API server may be starting or stopping; the next poll tells.
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  })();
  return {
    seen: w.seen,
    versions: w.versions,
    get restartedAt() { return w.restartedAt; },
    stop: async () => {
      halt.abort();
      await loop;
    },
  };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === import.meta.filename) {
  process.exitCode = await main(process.argv.slice(2));
}
