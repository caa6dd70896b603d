#!/usr/bin/env node
/**
 * `kseal-operator`: the ExternalSecret, SealedSecret and SopsSecret controllers in one process.
 * `--kubeconfig PATH` runs out of cluster; in-cluster config otherwise. SIGTERM/SIGINT finish the
 * in-flight reconciles and release the leader Lease before exiting.
 */
import { KsealError } from "../errors.ts";
import { parseOperatorFlags } from "./flags.ts";
import { runOperator } from "./run.ts";

try {
  const flags = parseOperatorFlags(process.argv.slice(2), process.env);
  const operator = await runOperator(flags);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    operator.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
} catch (e: unknown) {
  if (e instanceof KsealError && e.code === "CLI_HELP") {
    process.stdout.write(e.message);
    process.exit(0);
  }
  const code = e instanceof KsealError ? e.code : "STARTUP_FAILED";
  const message = e instanceof KsealError ? e.message : e instanceof Error ? e.name : "unknown error";
  process.stderr.write(`kseal-operator: ${message} [${code}]\n`);
  process.exit(e instanceof KsealError && e.code === "CLI_USAGE" ? 2 : 1);
}
