/**
 * `kseal [flags]` — the kubeseal-compatible mode: the same flags, the same output.
 *
 * Exit codes: 0 ok; 1 the operation failed (bad input, unusable/expired/non-RSA certificate,
 * decrypt or validation failure, API server errors); 2 usage error. Output files (`-w`,
 * `--merge-into`) are replaced atomically and only when every document succeeded; errors name
 * the input file and the 0-based document index.
 */
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { KeyObject } from "node:crypto";
import { KsealError } from "../../../src/errors.ts";
import {
  KeyRing,
  mergeSealedSecrets,
  parseDocuments,
  parseOutputFormat,
  parseScope,
  parseSealingCertificate,
  printObject,
  readKeyFile,
  sealRaw,
  sealSecret,
  unsealSealedSecret,
  type OutputFormat,
  type SealedSecret,
  type Secret,
  type SealingScope,
} from "../../../src/sealing/index.ts";
import { writeFileAtomic } from "../atomic.ts";
import { readAll, usageError, type CliIO, type Command } from "../command.ts";
import { booleanOptions, KLOG_OPTIONS, KUBE_CONNECTION_OPTIONS, KUBE_FLAGS_HELP, kubeOverrides, normalizeGoBooleans, parseRequestTimeout } from "../kube-flags.ts";
import { ksealVersion } from "../version.ts";
import { controllerProxyPath, kubeClient, type KubeClient, type KubeTarget } from "./seal-kube.ts";

const OPTIONS = {
  cert: { type: "string" },
  "fetch-cert": { type: "boolean" },
  "controller-name": { type: "string", default: "sealed-secrets-controller" },
  "controller-namespace": { type: "string", default: "kube-system" },
  scope: { type: "string", default: "" },
  raw: { type: "boolean" },
  name: { type: "string", default: "" },
  namespace: { type: "string", short: "n", default: "" },
  "from-file": { type: "string", multiple: true },
  "merge-into": { type: "string" },
  "re-encrypt": { type: "boolean" },
  validate: { type: "boolean" },
  "recovery-unseal": { type: "boolean" },
  "recovery-private-key": { type: "string", multiple: true },
  format: { type: "string", short: "o", default: "json" },
  "sealed-secret-file": { type: "string", short: "w" },
  "secret-file": { type: "string", short: "f" },
  "allow-empty-data": { type: "boolean" },
  kubeconfig: { type: "string" },
  context: { type: "string" },
  ...KUBE_CONNECTION_OPTIONS,
  ...KLOG_OPTIONS,
  version: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const BOOLEANS = booleanOptions(OPTIONS);

type Flags = ReturnType<typeof parse>["values"];

/** Parses the flags; exported for the flag-parsing tests. */
export function parse(args: readonly string[]) {
  const normalized = normalizeGoBooleans(args, BOOLEANS);
  try {
    return parseArgs({ args: normalized, options: OPTIONS, allowPositionals: false, strict: true });
  } catch (e: unknown) {
    throw usageError(e instanceof Error ? e.message.split("\n")[0] ?? "bad flags" : "bad flags");
  }
}

const HELP = `usage: kseal [flags] < secret.yaml > sealedsecret.json

  --cert FILE|URL                 certificate to seal with (else $SEALED_SECRETS_CERT, else fetched)
  --fetch-cert                    print the controller's certificate
  --controller-name NAME          (default sealed-secrets-controller)
  --controller-namespace NS       (default kube-system)
  --scope strict|namespace-wide|cluster-wide
  --raw --name N --namespace NS --from-file [key=]PATH   seal one value
  --merge-into FILE               merge the sealed items into an existing SealedSecret file
  --re-encrypt                    re-encrypt with the controller's newest key (/v1/rotate)
  --validate                      ask the controller whether it can open the input (/v1/verify)
  --recovery-unseal --recovery-private-key F[,F…]   open offline with PEM keys / key Secret backups
  -o, --format json|yaml          (default json)
  -f, --secret-file FILE          input (default stdin)
  -w, --sealed-secret-file FILE   output, replaced atomically on success (default stdout)
  --allow-empty-data              seal a Secret without data
  --kubeconfig FILE, --context NAME
  --version                       print kseal's version
${KUBE_FLAGS_HELP}exit codes: 0 ok, 1 failed, 2 usage
`;

export const command: Command = {
  name: "seal",
  summary: "seal Secrets for the cluster (kubeseal-compatible; the default mode)",
  help: HELP,
  async run(args: readonly string[], io: CliIO): Promise<number> {
    const { values: flags } = parse(args);
    if (flags.help === true) {
      io.stdout.write(HELP);
      return 0;
    }
    if (flags.version === true) {
      io.stdout.write(`kseal version: ${ksealVersion()}\n`);
      return 0;
    }
    const format = parseOutputFormat(flags.format);
    const scope = parseScope(flags.scope);
    // Checked now, not at the first request: an offline run must not hide a bad flag either.
    const connection = { overrides: kubeOverrides(flags, io.cwd), requestTimeoutMs: parseRequestTimeout(flags["request-timeout"]) };
    const ctx = new Context(flags, io, connection);

    if (flags["fetch-cert"] === true) {
      const pem = await ctx.certPem();
      return ctx.emit(pem);
    }
    if (flags["recovery-unseal"] === true) return await recoveryUnseal(ctx, format);
    if (flags.validate === true) return await validate(ctx);
    if (flags["re-encrypt"] === true) return await reEncrypt(ctx, format);
    if (flags.raw === true) return await raw(ctx, scope);
    return await seal(ctx, format, scope);
  },
};

class Context {
  readonly flags: Flags;
  readonly io: CliIO;
  readonly #connection: Pick<KubeTarget, "overrides" | "requestTimeoutMs">;
  #kube: Promise<KubeClient> | null = null;

  constructor(flags: Flags, io: CliIO, connection: Pick<KubeTarget, "overrides" | "requestTimeoutMs">) {
    this.flags = flags;
    this.io = io;
    this.#connection = connection;
  }

  path(p: string): string {
    return isAbsolute(p) ? p : resolve(this.io.cwd, p);
  }

  kube(): Promise<KubeClient> {
    this.#kube ??= kubeClient({
      env: this.io.env,
      ...this.#connection,
      ...(this.flags.kubeconfig === undefined ? {} : { kubeconfig: this.path(this.flags.kubeconfig) }),
      ...(this.flags.context === undefined ? {} : { context: this.flags.context }),
    });
    return this.#kube;
  }

  get inputName(): string {
    return this.flags["secret-file"] ?? "stdin";
  }

  async input(): Promise<string> {
    const file = this.flags["secret-file"];
    if (file !== undefined) {
      try {
        return await readFile(this.path(file), "utf8");
      } catch (e: unknown) {
        throw new KsealError("CLI_INPUT_UNREADABLE", `cannot read ${file}`, { cause: e });
      }
    }
    return (await readAll(this.io.stdin)).toString("utf8");
  }

  /** Every non-empty document of the input; errors name the file and document. */
  async documents(): Promise<{ index: number; object: unknown }[]> {
    try {
      return parseDocuments(await this.input());
    } catch (e: unknown) {
      throw withDocument(e, this.inputName, null);
    }
  }

  async certPem(): Promise<string> {
    const source = this.flags.cert ?? this.io.env.SEALED_SECRETS_CERT;
    if (source !== undefined && source !== "") return await readCertSource(source, (p) => this.path(p));
    const kube = await this.kube();
    const path = await controllerProxyPath(kube, this.flags["controller-namespace"], this.flags["controller-name"], "/v1/cert.pem");
    const res = await kube.request("GET", path);
    if (res.status !== 200) throw new KsealError("SEALING_CERT_FETCH_FAILED", `cannot fetch the certificate from the controller (HTTP ${res.status})`);
    return res.body.toString("utf8");
  }

  async publicKey(): Promise<{ publicKey: KeyObject; fingerprint: string }> {
    return parseSealingCertificate(await this.certPem(), new Date());
  }

  async defaultNamespace(): Promise<string> {
    try {
      return (await this.kube()).namespace;
    } catch {
      return "";
    }
  }

  /** Writes the result to -w (atomically) or stdout. */
  async emit(text: string): Promise<number> {
    const out = this.flags["sealed-secret-file"];
    if (out === undefined) this.io.stdout.write(text);
    else await writeFileAtomic(this.path(out), text);
    return 0;
  }
}

function withDocument(e: unknown, file: string, index: number | null): KsealError {
  const where = index === null ? file : `${file} document ${index}`;
  if (e instanceof KsealError) {
    const idx = typeof e.details.document === "number" ? e.details.document : index;
    const place = idx === null ? file : `${file} document ${idx}`;
    return new KsealError(e.code, `${place}: ${e.message}`, { cause: e, details: { ...e.details, file } });
  }
  return new KsealError("CLI_FAILED", `${where}: unexpected ${e instanceof Error ? e.name : "error"}`, { cause: e });
}

async function readCertFile(file: string | URL, shown: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (e: unknown) {
    throw new KsealError("SEALING_CERT_UNREADABLE", `cannot read the certificate file ${shown}`, { cause: e });
  }
}

async function readCertSource(source: string, path: (p: string) => string): Promise<string> {
  let url: URL | null;
  try {
    url = new URL(source);
  } catch {
    url = null;
  }
  // One-letter schemes are Windows drive letters, as in kubeseal.
  if (url === null || url.protocol.length <= 2) return await readCertFile(path(source), source);
  if (url.protocol === "file:") return await readCertFile(url, url.pathname);
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e: unknown) {
    throw new KsealError("SEALING_CERT_UNREADABLE", `cannot fetch the certificate from ${url.origin}${url.pathname}`, { cause: e });
  }
  if (!res.ok) throw new KsealError("SEALING_CERT_UNREADABLE", `cannot fetch the certificate from ${url.origin}${url.pathname}: HTTP ${res.status}`);
  return await res.text();
}

function asSecret(o: unknown): Secret {
  const s = o as Partial<Secret> & { kind?: unknown };
  if (typeof o !== "object" || o === null || Array.isArray(o) || (s.kind !== undefined && s.kind !== "Secret")) {
    throw new KsealError("SEALING_NOT_A_SECRET", "the input is not a v1 Secret");
  }
  return { ...s, metadata: s.metadata ?? {} };
}

function isMap(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function asSealedSecret(o: unknown): SealedSecret {
  const s = o as Partial<SealedSecret>;
  if (typeof o !== "object" || o === null || s.kind !== "SealedSecret" || !isMap(s.spec)) {
    throw new KsealError("SEALING_NOT_A_SEALED_SECRET", "the input is not a SealedSecret");
  }
  return { ...(s as SealedSecret), metadata: s.metadata ?? {} };
}

async function seal(ctx: Context, format: OutputFormat, scope: SealingScope): Promise<number> {
  const docs = await ctx.documents();
  if (docs.length === 0) throw withDocument(new KsealError("CLI_NO_INPUT", "no document to seal"), ctx.inputName, null);
  const { publicKey, fingerprint } = await ctx.publicKey();
  const defaultNamespace = await lazyNamespace(ctx, docs.map((d) => d.object));
  const mergeInto = ctx.flags["merge-into"];
  if (mergeInto !== undefined) {
    if (docs.length !== 1) throw usageError("--merge-into takes exactly one input Secret");
    const file = ctx.path(mergeInto);
    let origDocs;
    try {
      origDocs = parseDocuments(await readFile(file, "utf8"));
    } catch (e: unknown) {
      throw withDocument(e, mergeInto, null);
    }
    const first = origDocs[0];
    if (origDocs.length !== 1 || first === undefined) throw new KsealError("SEALING_NOT_A_SEALED_SECRET", `${mergeInto}: expected exactly one SealedSecret`);
    let orig: SealedSecret;
    try {
      orig = asSealedSecret(first.object);
    } catch (e: unknown) {
      throw withDocument(e, mergeInto, 0);
    }
    let update: SealedSecret;
    try {
      update = sealSecret(asSecret(docs[0]?.object), {
        publicKey,
        fingerprint,
        scope,
        name: orig.metadata.name ?? "",
        namespace: orig.metadata.namespace ?? "",
        defaultNamespace,
        allowEmptyData: ctx.flags["allow-empty-data"] === true,
      });
    } catch (e: unknown) {
      throw withDocument(e, ctx.inputName, 0);
    }
    await writeFileAtomic(file, printObject(mergeSealedSecrets(orig, update), format));
    return 0;
  }
  const out: string[] = [];
  for (const d of docs) {
    try {
      const sealed = sealSecret(asSecret(d.object), {
        publicKey,
        fingerprint,
        scope,
        name: ctx.flags.name,
        namespace: ctx.flags.namespace,
        defaultNamespace,
        allowEmptyData: ctx.flags["allow-empty-data"] === true,
      });
      out.push(printObject(sealed, format));
    } catch (e: unknown) {
      throw withDocument(e, ctx.inputName, d.index);
    }
  }
  return await ctx.emit(out.join(""));
}

/** The kubeconfig namespace, looked up only when some input lacks a namespace (as kubeseal). */
async function lazyNamespace(ctx: Context, objects: unknown[]): Promise<string> {
  if (ctx.flags.namespace !== "") return ctx.flags.namespace;
  const needs = objects.some((o) => {
    const ns = (o as Partial<Secret> | null)?.metadata?.namespace;
    return ns === undefined || ns === "";
  });
  return needs ? await ctx.defaultNamespace() : "";
}

async function raw(ctx: Context, scope: SealingScope): Promise<number> {
  const fromFiles = ctx.flags["from-file"] ?? [];
  if (fromFiles.length !== 1 || fromFiles[0] === undefined) throw usageError("--raw needs exactly one --from-file");
  const spec = fromFiles[0];
  const eq = spec.indexOf("=");
  const path = eq === -1 ? spec : spec.slice(eq + 1);
  let value: Buffer;
  try {
    value = path === "/dev/stdin" || path === "-" ? await readAll(ctx.io.stdin) : await readFile(ctx.path(path));
  } catch (e: unknown) {
    throw new KsealError("CLI_INPUT_UNREADABLE", `cannot read ${path}`, { cause: e });
  }
  let namespace = ctx.flags.namespace;
  if (namespace === "" && scope !== "cluster-wide") namespace = await ctx.defaultNamespace();
  const { publicKey } = await ctx.publicKey();
  const blob = sealRaw(value, { publicKey, scope, name: ctx.flags.name, namespace });
  return await ctx.emit(blob);
}

async function recoveryUnseal(ctx: Context, format: OutputFormat): Promise<number> {
  const files = (ctx.flags["recovery-private-key"] ?? []).flatMap((f) => f.split(",")).filter((f) => f !== "");
  if (files.length === 0) throw usageError("--recovery-unseal needs --recovery-private-key");
  const keys = [];
  for (const f of files) {
    let content: string;
    try {
      content = await readFile(ctx.path(f), "utf8");
    } catch (e: unknown) {
      throw new KsealError("CLI_INPUT_UNREADABLE", `cannot read ${f}`, { cause: e });
    }
    keys.push(...readKeyFile(content, f));
  }
  const ring = new KeyRing(keys);
  const out: string[] = [];
  for (const d of await ctx.documents()) {
    try {
      out.push(printObject(unsealSealedSecret(asSealedSecret(d.object), ring), format));
    } catch (e: unknown) {
      throw withDocument(e, ctx.inputName, d.index);
    }
  }
  return await ctx.emit(out.join(""));
}

async function validate(ctx: Context): Promise<number> {
  const docs = await ctx.documents();
  const kube = await ctx.kube();
  const path = await controllerProxyPath(kube, ctx.flags["controller-namespace"], ctx.flags["controller-name"], "/v1/verify");
  for (const d of docs) {
    const res = await kube.request("POST", path, Buffer.from(JSON.stringify(d.object)));
    if (res.status === 409) throw withDocument(new KsealError("SEALING_DECRYPT_FAILED", "unable to decrypt sealed secret"), ctx.inputName, d.index);
    if (res.status !== 200) throw withDocument(new KsealError("SEALING_VALIDATE_FAILED", `cannot validate sealed secret (HTTP ${res.status})`), ctx.inputName, d.index);
  }
  return 0;
}

async function reEncrypt(ctx: Context, format: OutputFormat): Promise<number> {
  const docs = await ctx.documents();
  const kube = await ctx.kube();
  const path = await controllerProxyPath(kube, ctx.flags["controller-namespace"], ctx.flags["controller-name"], "/v1/rotate");
  const out: string[] = [];
  for (const d of docs) {
    const res = await kube.request("POST", path, Buffer.from(JSON.stringify(d.object)));
    if (res.status === 409) throw withDocument(new KsealError("SEALING_DECRYPT_FAILED", "unable to rotate secret"), ctx.inputName, d.index);
    if (res.status !== 200) throw withDocument(new KsealError("SEALING_ROTATE_FAILED", `cannot re-encrypt secret (HTTP ${res.status})`), ctx.inputName, d.index);
    let rotated: SealedSecret;
    try {
      // The Bitnami controller's reply has no apiVersion/kind (kubeseal adds them when decoding).
      rotated = asSealedSecret({ apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", ...(JSON.parse(res.body.toString("utf8")) as object) });
    } catch (e: unknown) {
      throw withDocument(e, ctx.inputName, d.index);
    }
    const meta = { ...rotated.metadata };
    delete meta.creationTimestamp;
    delete meta.generation;
    out.push(printObject({ ...rotated, metadata: meta }, format));
  }
  return await ctx.emit(out.join(""));
}
