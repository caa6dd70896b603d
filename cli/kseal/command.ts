import type { Readable, Writable } from "node:stream";
import { KsealError } from "../../src/errors.ts";

/** The process surface a command may touch, injected so tests run commands in-process. */
export interface CliIO {
  readonly stdin: Readable & { isTTY?: boolean };
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** One `kseal` subcommand. `run` returns the exit code; it throws KsealError for expected failures. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Flag definitions for the generated CLI reference (docs/cli.md). */
  readonly help: string;
  run(args: readonly string[], io: CliIO): Promise<number>;
}

/** A usage error: exit code 2 and the message, like kubeseal's flag errors. */
export function usageError(message: string): KsealError {
  return new KsealError("CLI_USAGE", message);
}

/** Reads all of a stream into a Buffer. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}
