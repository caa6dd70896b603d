/**
 * `kseal reseal [flags] DIR…` — re-encrypts every SealedSecret under one or more Git trees with
 * the newest key, in one process (kubeseal users loop `kubeseal --re-encrypt` per file, SS #357).
 *
 * Works offline: the private keys come from `--recovery-private-key` (PEM keys or key-Secret
 * backups, comma-separated), the newest key's certificate from `--cert` /
 * `$SEALED_SECRETS_CERT` / the controller (`--controller-name/-namespace`, via the API proxy, with
 * the kubeconfig and kubectl's connection flags exactly as `kseal --fetch-cert` takes them).
 * The plaintext never leaves this process and the controller needs no new endpoint.
 *
 * A value already sealed with the newest key is left as it is; a file none of whose values
 * changed is not rewritten (byte-identical). A changed file is replaced atomically; YAML files
 * keep their comments and layout, only the re-sealed values and the key-id hint change.
 * Progress goes to stderr. Exit 0 when every file succeeded, 1 otherwise (each failure names the
 * file and document index), 2 on usage errors.
 */
import { readdir, readFile } from "node:fs/promises";
import { extname, isAbsolute, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { KeyObject } from "node:crypto";
import { isMap, parseAllDocuments, type Document } from "yaml";
import { KsealError, safeMessage } from "../../../src/errors.ts";
import {
  ANNOTATION_KEY_HINT,
  encryptionLabel,
  hybridEncrypt,
  KeyRing,
  defaultRng,
  parseSealingCertificate,
  readKeyFile,
  scopeFromAnnotations,
  tryDecrypt,
  type SealedSecret,
} from "../../../src/sealing/index.ts";
import { writeFileAtomic } from "../atomic.ts";
import { usageError, type CliIO, type Command } from "../command.ts";
import { command as sealCommand } from "./seal.ts";
import { booleanOptions, KUBE_CONNECTION_HELP, KUBE_CONNECTION_OPTIONS, normalizeGoBooleans } from "../kube-flags.ts";

const HELP = `usage: kseal reseal --recovery-private-key F[,F…] [--cert FILE|URL] DIR…

Re-encrypts every SealedSecret (*.yaml, *.yml, *.json) under DIR… with the newest key.
  --recovery-private-key F[,F…]  keys that open the current values (PEM or key-Secret backups)
  --cert FILE|URL                the newest key's certificate (else $SEALED_SECRETS_CERT,
                                 else fetched from --controller-name/--controller-namespace)
  --controller-name N, --controller-namespace NS   where the controller runs
  --kubeconfig FILE, --context NAME                 the cluster to fetch the certificate from
  --dry-run                      report what would change, write nothing
exit codes: 0 ok, 1 some file failed, 2 usage

${KUBE_CONNECTION_HELP}`;

/** The options passed on unchanged to the certificate fetch (`kseal --fetch-cert`). */
const FETCH_OPTIONS = {
  cert: { type: "string" },
  "controller-name": { type: "string" },
  "controller-namespace": { type: "string" },
  kubeconfig: { type: "string" },
  context: { type: "string" },
  ...KUBE_CONNECTION_OPTIONS,
} as const;

const OPTIONS = {
  "recovery-private-key": { type: "string", multiple: true },
  ...FETCH_OPTIONS,
  "dry-run": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const BOOLEANS = booleanOptions(OPTIONS);

interface Target {
  readonly publicKey: KeyObject;
  readonly fingerprint: string;
}

interface Stats {
  resealed: number;
  unchanged: number;
}

export const command: Command = {
  name: "reseal",
  summary: "re-encrypt every SealedSecret under a directory with the newest key",
  help: HELP,
  async run(args: readonly string[], io: CliIO): Promise<number> {
    let parsed;
    try {
      parsed = parseArgs({
        args: normalizeGoBooleans(args, BOOLEANS),
        allowPositionals: true,
        options: OPTIONS,
      });
    } catch (e: unknown) {
      throw usageError(e instanceof Error ? (e.message.split("\n")[0] ?? "bad flags") : "bad flags");
    }
    const { values, positionals } = parsed;
    if (values.help === true) {
      io.stdout.write(HELP);
      return 0;
    }
    if (positionals.length === 0) throw usageError("reseal needs at least one directory");
    const keyFiles = (values["recovery-private-key"] ?? []).flatMap((f) => f.split(",")).filter((f) => f !== "");
    if (keyFiles.length === 0) throw usageError("reseal needs --recovery-private-key to open the current values");
    const abs = (p: string) => (isAbsolute(p) ? p : resolve(io.cwd, p));
    const keys = [];
    for (const f of keyFiles) {
      let content: string;
      try {
        content = await readFile(abs(f), "utf8");
      } catch (e: unknown) {
        throw new KsealError("CLI_INPUT_UNREADABLE", `cannot read ${f}`, { cause: e });
      }
      keys.push(...readKeyFile(content, f));
    }
    const ring = new KeyRing(keys);
    const target = parseSealingCertificate(await fetchCertPem(values, io), new Date());

    const files: string[] = [];
    for (const dir of positionals) await walk(abs(dir), files);
    files.sort();
    const stats: Stats = { resealed: 0, unchanged: 0 };
    const failures: string[] = [];
    let i = 0;
    for (const file of files) {
      i++;
      const shown = relative(io.cwd, file) || file;
      try {
        const changed = await resealFile(file, ring, target, values["dry-run"] === true);
        if (changed === null) continue;
        if (changed) stats.resealed++;
        else stats.unchanged++;
        io.stderr.write(`reseal [${i}/${files.length}] ${shown}: ${changed ? (values["dry-run"] === true ? "would reseal" : "resealed") : "unchanged"}\n`);
      } catch (e: unknown) {
        const msg = `${shown}${e instanceof KsealError && typeof e.details.document === "number" ? ` document ${e.details.document}` : ""}: ${safeMessage(e)}`;
        failures.push(msg);
        io.stderr.write(`reseal [${i}/${files.length}] ${msg}\n`);
      }
    }
    io.stderr.write(`reseal: ${stats.resealed} resealed, ${stats.unchanged} unchanged, ${failures.length} failed\n`);
    return failures.length === 0 ? 0 : 1;
  },
};

/** The newest certificate, obtained exactly as the seal command does (flag, env, controller). */
async function fetchCertPem(values: Record<string, string | boolean | string[] | undefined>, io: CliIO): Promise<string> {
  const args = ["--fetch-cert"];
  for (const f of Object.keys(FETCH_OPTIONS)) {
    const v = values[f];
    if (typeof v === "string") args.push(`--${f}`, v);
    else if (v === true) args.push(`--${f}`);
    else if (Array.isArray(v)) for (const each of v) args.push(`--${f}`, each);
  }
  const chunks: Buffer[] = [];
  const { Writable } = await import("node:stream");
  const stdout = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  await sealCommand.run(args, { ...io, stdout });
  return Buffer.concat(chunks).toString("utf8");
}

async function walk(dir: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e: unknown) {
    throw new KsealError("CLI_INPUT_UNREADABLE", `cannot read directory ${dir}`, { cause: e });
  }
  for (const e of entries) {
    if (e.name.startsWith(".") || e.name === "node_modules") continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (e.isFile() && [".yaml", ".yml", ".json"].includes(extname(e.name))) out.push(p);
  }
}

/** Re-seals one blob when it was not sealed with the target key; null when already current. */
function resealBlob(b64: string, label: Buffer, ring: KeyRing, target: Target, hint: string | undefined, item: string): string | null {
  const blob = Buffer.from(b64, "base64");
  for (const key of ring.keys.filter((k) => k.fingerprint === hint).concat(ring.keys.filter((k) => k.fingerprint !== hint))) {
    const plaintext = tryDecrypt(key.privateKey, blob, label);
    if (plaintext === null) continue;
    if (key.fingerprint === target.fingerprint) return null;
    return hybridEncrypt(defaultRng, target.publicKey, plaintext, label).toString("base64");
  }
  throw new KsealError("SEALING_DECRYPT_FAILED", `no key could decrypt item "${item}"`, { details: { key: item } });
}

/** Re-seals one SealedSecret object in place; returns the changed value paths. */
function resealObject(ss: SealedSecret, ring: KeyRing, target: Target): { path: string[]; value: string }[] {
  const label = encryptionLabel(ss.metadata.namespace ?? "", ss.metadata.name ?? "", scopeFromAnnotations(ss.metadata.annotations));
  const hint = ss.metadata.annotations?.[ANNOTATION_KEY_HINT];
  const changes: { path: string[]; value: string }[] = [];
  for (const [k, v] of Object.entries(ss.spec.encryptedData ?? {}) as [string, unknown][]) {
    if (typeof v !== "string") throw new KsealError("SEALING_INVALID", `encryptedData item "${k}" is not a string`, { details: { key: k } });
    const next = resealBlob(v, label, ring, target, hint, k);
    if (next !== null) changes.push({ path: ["spec", "encryptedData", k], value: next });
  }
  if (typeof ss.spec.data === "string") {
    const next = resealBlob(ss.spec.data, label, ring, target, hint, "data");
    if (next !== null) changes.push({ path: ["spec", "data"], value: next });
  }
  if (changes.length > 0) changes.push({ path: ["metadata", "annotations", ANNOTATION_KEY_HINT], value: target.fingerprint });
  return changes;
}

function isMapValue(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isSealedSecret(o: unknown): o is SealedSecret {
  const s = o as Partial<SealedSecret> | null;
  return typeof o === "object" && s !== null && s.kind === "SealedSecret" && typeof s.apiVersion === "string" && s.apiVersion.startsWith("bitnami.com/") && isMapValue(s.spec);
}

/** true: rewritten; false: SealedSecrets found, all current; null: no SealedSecret in the file. */
async function resealFile(file: string, ring: KeyRing, target: Target, dryRun: boolean): Promise<boolean | null> {
  const text = await readFile(file, "utf8");
  if (file.endsWith(".json")) {
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch {
      return null; // not ours to judge: other JSON files live in Git trees too
    }
    if (!isSealedSecret(obj)) return null;
    const changes = withDoc(0, () => resealObject(obj, ring, target));
    if (changes.length === 0) return false;
    for (const c of changes) setPath(obj as unknown as Record<string, unknown>, c.path, c.value);
    const indent = /^\{\n([ \t]+)"/.exec(text)?.[1] ?? "  ";
    if (!dryRun) await writeFileAtomic(file, JSON.stringify(obj, null, indent) + (text.endsWith("\n") ? "\n" : ""));
    return true;
  }
  const docs = parseAllDocuments(text, { prettyErrors: false });
  if (!Array.isArray(docs)) return null;
  let found = false;
  let changed = false;
  let index = -1;
  for (const doc of docs as Document.Parsed[]) {
    if (doc.contents === null) continue;
    index++;
    if (doc.errors.length > 0) {
      if (found) throw new KsealError("MANIFEST_INVALID", "not valid YAML", { details: { document: index } });
      return null;
    }
    const obj: unknown = doc.toJS();
    if (!isSealedSecret(obj)) continue;
    found = true;
    const changes = withDoc(index, () => resealObject(obj, ring, target));
    for (const c of changes) {
      if (c.path[1] === "annotations" && !isMap(doc.getIn(["metadata", "annotations"]))) doc.setIn(["metadata", "annotations"], doc.createNode({}));
      doc.setIn(c.path, c.value);
      changed = true;
    }
  }
  if (!found) return null;
  if (changed && !dryRun) await writeFileAtomic(file, docs.map((d) => d.toString({ lineWidth: 0 })).join(""));
  return changed;
}

function withDoc<T>(document: number, f: () => T): T {
  try {
    return f();
  } catch (e: unknown) {
    if (e instanceof KsealError) throw new KsealError(e.code, e.message, { cause: e, details: { ...e.details, document } });
    throw e;
  }
}

function setPath(obj: Record<string, unknown>, path: string[], value: string): void {
  let cur: Record<string, unknown> = obj;
  for (const p of path.slice(0, -1)) {
    const next = cur[p];
    if (typeof next !== "object" || next === null) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (last !== undefined) cur[last] = value;
}
