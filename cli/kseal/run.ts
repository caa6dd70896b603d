import { PassThrough } from "node:stream";
import { KsealError } from "../../src/errors.ts";
import type { Command, CliIO } from "./command.ts";

/**
 * Subcommands by name. Each lives in `commands/<name>.ts` and is loaded only when used, so the
 * SOPS tooling never loads the Kubernetes client and vice versa. The sealing mode (`seal`) is also
 * the default when the first argument is a flag or absent (kubeseal compatibility).
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  seal: async () => (await import("./commands/seal.ts")).command,
  reseal: async () => (await import("./commands/reseal.ts")).command,
  sops: async () => (await import("./commands/sops.ts")).command,
  template: async () => (await import("./commands/template.ts")).command,
};

export const DEFAULT_COMMAND = "seal";

/** Every subcommand, loaded (for the generated CLI reference). */
export async function allCommands(): Promise<Command[]> {
  const byName = Object.entries(COMMANDS).sort(([a], [b]) => (a < b ? -1 : 1));
  return Promise.all(byName.map(([, load]) => load()));
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function defaultIO(): CliIO {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
  };
}

/**
 * Runs the CLI in process with `input` on stdin and returns the exit code and both outputs — the
 * programmatic form scripts (the demo) and tests use. Never throws.
 */
export async function runCliCaptured(
  argv: readonly string[],
  input = "",
  options: { readonly cwd?: string; readonly env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdin = new PassThrough();
  stdin.end(input);
  let out = "";
  let err = "";
  const stdout = new PassThrough();
  stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
  const stderr = new PassThrough();
  stderr.on("data", (c: Buffer) => (err += c.toString("utf8")));
  const code = await runCli(argv, { stdin, stdout, stderr, env: options.env ?? {}, cwd: options.cwd ?? process.cwd() });
  return { code, stdout: out, stderr: err };
}

/** Runs the CLI and returns its exit code; never throws. */
export async function runCli(argv: readonly string[], io: CliIO = defaultIO()): Promise<number> {
  const [first, ...rest] = argv;
  let name = DEFAULT_COMMAND;
  let args = argv;
  if (first !== undefined && !first.startsWith("-") && first in COMMANDS) {
    name = first;
    args = rest;
  } else if (first === "help" || first === undefined && argv.length === 0 && io.stdin.isTTY === true) {
    io.stderr.write(usage());
    return first === "help" ? EXIT_OK : EXIT_USAGE;
  }
  const load = COMMANDS[name];
  if (load === undefined) {
    io.stderr.write(`kseal: unknown command "${name}"\n${usage()}`);
    return EXIT_USAGE;
  }
  try {
    const command = await load();
    return await command.run(args, io);
  } catch (e: unknown) {
    if (e instanceof KsealError) {
      io.stderr.write(`kseal: error: ${e.message} [${e.code}]\n`);
      return e.code === "CLI_USAGE" ? EXIT_USAGE : EXIT_FAILURE;
    }
    // Foreign errors may quote their input; print only the kind.
    io.stderr.write(`kseal: internal error: ${e instanceof Error ? e.name : "unknown"}\n`);
    return EXIT_FAILURE;
  }
}

export function usage(): string {
  return [
    "usage: kseal [flags] < secret.yaml > sealedsecret.yaml   (kubeseal-compatible)",
    "       kseal <command> [args]",
    "",
    "commands:",
    ...Object.keys(COMMANDS).sort().map((c) => `  ${c}`),
    "",
  ].join("\n");
}
