/**
 * Re-encrypting a Git tree of N SealedSecret files with the newest key: `kseal reseal DIR` (one
 * process, offline: the old and new private keys from a backup file, the new certificate from a
 * file) vs the loop kubeseal users write, `kubeseal --re-encrypt` once per file (each call POSTs
 * the file to the controller's /v1/rotate, which opens it and seals it again with its newest key).
 *
 * Both sides work on copies of the same N files (2 items each, sealed for an OLD key) and end with
 * every value sealed for the same NEW key; the controller kubeseal talks to is a kseal-operator
 * holding both keys, on a private control plane. kubeseal reaches a controller through the API
 * server's Service proxy, which cannot point at a process on loopback (the API server refuses
 * loopback Endpoints; see test/sealing/bitnami-interop.int.test.ts), so a loopback stand-in serves
 * that one hop (GET the Service, forward `.../proxy/v1/rotate`): one extra local HTTP hop per file,
 * as the real proxy adds one. The kubeseal loop runs as one `sh` script (`kubeseal <f >f.tmp && mv`),
 * as a user would run it. Afterwards a sample of each side's files is opened with the NEW key only.
 *
 * Usage: node bench/reseal.ts [N]   (N defaults to 1000)
 */
import { spawn } from "node:child_process";
import { createPrivateKey } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { startKube } from "../test/peers/kube.ts";
import { freePort, peerBin, startProcess } from "../test/peers/process.ts";
import { startServiceProxy } from "../test/support/service-proxy.ts";
import { KubeHttp, SECRETS, type KubeObject } from "../src/kube/client.ts";
import { loadKubeConfig } from "../src/kube/load-kubeconfig.ts";
import {
  encryptionLabel,
  generateSealingKey,
  hybridDecrypt,
  keySecret,
  parseSealingCertificate,
  type SealedSecret,
} from "../src/sealing/index.ts";
import { ksealCommand } from "./cli.ts";
import { NAMESPACES, NODE, benchOperatorArgs, benchOperatorEnv, prepareShipped, type BenchRow } from "./lib.ts";
import { applyCrd, benchSealedSecret, unsealCount } from "./unseal.ts";

const NAMESPACE = "bench-reseal";

/**
 * Runs a command to completion without blocking the event loop (the stand-in proxy lives in this
 * process); rejects with its stderr tail (never stdout) on a non-zero exit.
 */
async function run(label: string, command: string, args: readonly string[]): Promise<void> {
  const child = spawn(command, [...args], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr.on("data", (c: Buffer) => {
    err = (err + c.toString("utf8")).slice(-4000);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  if (code !== 0) throw new Error(`${label} exited ${String(code)}:\n${err.split("\n").slice(-5).join("\n")}`);
}

/** Every value of `sampleEvery`-th file opens with `key` (the new one) alone; throws otherwise. */
function checkResealed(dir: string, privateKeyPem: string, sampleEvery: number, side: string): void {
  const key = createPrivateKey(privateKeyPem);
  const files = readdirSync(dir).sort();
  for (let i = 0; i < files.length; i += sampleEvery) {
    const file = files[i] ?? "";
    const ss = parse(readFileSync(join(dir, file), "utf8")) as SealedSecret;
    const label = encryptionLabel(ss.metadata.namespace ?? "", ss.metadata.name ?? "", "strict");
    for (const v of Object.values(ss.spec.encryptedData ?? {})) {
      try {
        hybridDecrypt([key], Buffer.from(v, "base64"), label);
      } catch {
        throw new Error(`${side}: ${file} was not re-sealed with the new key`);
      }
    }
  }
}

export async function benchReseal(n: number): Promise<BenchRow[]> {
  prepareShipped();
  const workDir = mkdtempSync(join(tmpdir(), "kseal-bench-reseal-"));
  const logDir = join(workDir, "logs");
  mkdirSync(logDir, { recursive: true });
  const kube = await startKube({ workDir, logDir, controllerManager: false });
  let proxy: Server | undefined;
  try {
    const http = new KubeHttp(loadKubeConfig({ kubeconfig: kube.kubeconfig }));
    await applyCrd(http);
    await http.create(NAMESPACES, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE } });
    const oldKey = generateSealingKey({ now: new Date(Date.now() - 86_400_000) });
    const newKey = generateSealingKey({ now: new Date() });
    await http.create(SECRETS, NAMESPACE, keySecret(NAMESPACE, oldKey) as KubeObject);
    // The newest key is the one with the later creationTimestamp (whole seconds).
    await new Promise((r) => setTimeout(r, 1100));
    await http.create(SECRETS, NAMESPACE, keySecret(NAMESPACE, newKey) as KubeObject);

    // N files sealed for the old key, as `kubeseal -o yaml` lays them out.
    const source = join(workDir, "source");
    mkdirSync(source);
    const oldCert = parseSealingCertificate(oldKey.certificatePem, new Date());
    for (let i = 0; i < n; i++) {
      const sealed = benchSealedSecret(NAMESPACE, i, oldCert.publicKey);
      writeFileSync(join(source, `${sealed.metadata.name ?? ""}.yaml`), `---\n${stringify(sealed)}`);
    }
    const keysFile = join(workDir, "keys.pem");
    writeFileSync(keysFile, `${oldKey.privateKeyPem}${newKey.privateKeyPem}`);
    const certFile = join(workDir, "new-cert.pem");
    writeFileSync(certFile, newKey.certificatePem);

    // kseal reseal: one process over the whole tree.
    const ksealDir = join(workDir, "kseal");
    cpSync(source, ksealDir, { recursive: true });
    const kseal = ksealCommand();
    const k0 = performance.now();
    await run("kseal reseal", kseal.command, [...kseal.args, "reseal", "--recovery-private-key", keysFile, "--cert", certFile, ksealDir]);
    const ksealSeconds = (performance.now() - k0) / 1000;
    checkResealed(ksealDir, newKey.privateKeyPem, 10, "kseal reseal");
    console.error(`kseal reseal: ${ksealSeconds.toFixed(2)} s`);

    // kubeseal --re-encrypt per file, through the stand-in proxy to a kseal-operator holding both keys.
    const apiPort = await freePort();
    const op = await startProcess({
      name: "kseal-operator-reseal",
      command: NODE,
      args: benchOperatorArgs({ kubeconfig: kube.kubeconfig, namespace: NAMESPACE, apiPort }, ["--controllers=sealedsecret"]),
      env: benchOperatorEnv(),
      logDir,
      ready: async () => {
        try {
          const r = await fetch(`http://127.0.0.1:${String(apiPort)}/v1/cert.pem`);
          return r.ok && (await r.text()).trim() === newKey.certificatePem.trim();
        } catch {
          return false;
        }
      },
      readyTimeoutMs: 120_000,
    });
    let kubesealSeconds: number;
    const kubesealDir = join(workDir, "kubeseal");
    try {
      const p = await startServiceProxy({ target: `http://127.0.0.1:${String(apiPort)}`, service: "kseal-operator", dir: workDir, namespace: NAMESPACE });
      proxy = p.server;
      const kubeconfig = p.kubeconfig;
      cpSync(source, kubesealDir, { recursive: true });
      const script = 'for f in "$0"/*.yaml; do "$1" --re-encrypt --kubeconfig "$2" --controller-name kseal-operator --controller-namespace "$3" -o yaml <"$f" >"$f.tmp" && mv "$f.tmp" "$f" || exit 1; done';
      const u0 = performance.now();
      await run("kubeseal --re-encrypt loop", "sh", ["-c", script, kubesealDir, peerBin("kubeseal"), kubeconfig, NAMESPACE]);
      kubesealSeconds = (performance.now() - u0) / 1000;
    } finally {
      await op.stop();
    }
    checkResealed(kubesealDir, newKey.privateKeyPem, 10, "kubeseal --re-encrypt");
    console.error(`kubeseal --re-encrypt loop: ${kubesealSeconds.toFixed(2)} s`);
    return [{
      name: `re-encrypt ${String(n)} SealedSecret files`, unit: "s", kseal: ksealSeconds, peer: kubesealSeconds,
      peerName: "kubeseal --re-encrypt (loop)", lowerIsBetter: true,
      note: `N=${String(n)} files of 2 items sealed for an old 4096-bit key; \`kseal reseal DIR\` offline (both private keys from a backup file, new cert from a file, ${kseal.form}) vs one \`kubeseal --re-encrypt\` per file against a kseal-operator holding both keys, through a loopback stand-in for the API server's Service proxy; a sample of every side's output is checked to open with the new key`,
    }];
  } finally {
    proxy?.close();
    await kube.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { stopPeersOnInterrupt, table } = await import("./lib.ts");
  stopPeersOnInterrupt();
  console.log(table(await benchReseal(unsealCount(process.argv.slice(2)))));
}
