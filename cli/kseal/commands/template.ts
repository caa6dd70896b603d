import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import { KsealError } from "../../../src/errors.ts";
import type { TemplateData } from "../../../src/template/index.ts";
import { renderTemplateBytes } from "../../../src/template/index.ts";
import type { CliIO, Command } from "../command.ts";
import { readAll, usageError } from "../command.ts";

const HELP = `usage: kseal template render --data FILE|- [--funcs eso|sealed-secrets] [--missing-key error|default|zero] TEMPLATE|-

Renders a Go text/template + sprig template with exactly the engine and function set the operator
uses, so templates can be debugged locally.

  --data FILE       the secret data: a JSON or YAML map of key -> string, or a Kubernetes Secret
                    manifest (its data is base64-decoded, stringData taken as is); - reads stdin
  --funcs SET       eso (default: ESO engine v2, missingkey=error) or sealed-secrets
  --missing-key M   override the function set's missingkey behaviour
  TEMPLATE          the template file; - reads stdin (not together with --data -)
`;

async function readSource(path: string, io: CliIO): Promise<Buffer> {
  if (path === "-") return readAll(io.stdin);
  try {
    return await readFile(resolve(io.cwd, path));
  } catch (e: unknown) {
    throw new KsealError("CLI_IO", `cannot read ${path}`, { cause: e });
  }
}

/** Parses the --data document: a flat map of strings, or a Secret manifest. */
export function parseTemplateData(text: string): TemplateData {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e: unknown) {
    throw new KsealError("CLI_USAGE", "--data is neither JSON nor YAML", { cause: e });
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) throw usageError("--data must be a map of key -> string");
  const obj = doc as Record<string, unknown>;
  const out: Record<string, string | Uint8Array> = {};
  if (obj.kind === "Secret" && typeof obj.apiVersion === "string") {
    const data = (obj.data ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(data)) {
      if (typeof v !== "string") throw usageError(`Secret data key "${k}" is not a base64 string`);
      out[k] = Buffer.from(v, "base64");
    }
    const stringData = (obj.stringData ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(stringData)) {
      if (typeof v !== "string") throw usageError(`Secret stringData key "${k}" is not a string`);
      out[k] = v;
    }
    return out;
  }
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v === "string") out[k] = v;
    else if (typeof v === "number" || typeof v === "boolean") out[k] = String(v);
    else throw usageError(`--data key "${k}" is not a string (secret values are strings)`);
  }
  return out;
}

async function render(args: readonly string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        data: { type: "string" },
        funcs: { type: "string", default: "eso" },
        "missing-key": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e: unknown) {
    throw usageError(e instanceof Error ? e.message : "bad flags");
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.stdout.write(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw usageError("expected exactly one TEMPLATE argument");
  const templatePath = positionals[0] ?? "-";
  if (values.data === undefined) throw usageError("--data is required");
  if (values.data === "-" && templatePath === "-") throw usageError("--data - and TEMPLATE - cannot both read stdin");
  const funcs = values.funcs;
  if (funcs !== "eso" && funcs !== "sealed-secrets") throw usageError("--funcs must be eso or sealed-secrets");
  const mk = values["missing-key"];
  if (mk !== undefined && mk !== "error" && mk !== "default" && mk !== "zero") throw usageError("--missing-key must be error, default or zero");
  const data = parseTemplateData((await readSource(values.data, io)).toString("utf8"));
  const source = (await readSource(templatePath, io)).toString("utf8");
  const out = renderTemplateBytes(source, data, { funcs, ...(mk === undefined ? {} : { missingKey: mk }) });
  io.stdout.write(out);
  return 0;
}

export const command: Command = {
  name: "template",
  summary: "render an ExternalSecret / SealedSecret template locally",
  help: HELP,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === "render") return render(rest, io);
    if (sub === undefined || sub === "help" || sub === "--help" || sub === "-h") {
      // asked-for help goes to stdout; help shown because of a usage error goes to stderr
      (sub === undefined ? io.stderr : io.stdout).write(HELP);
      return sub === undefined ? 2 : 0;
    }
    throw usageError(`unknown template subcommand "${sub}"`);
  },
};
