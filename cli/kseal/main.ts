#!/usr/bin/env node
/**
 * `kseal` — a drop-in for `kubeseal` plus SOPS and template tooling.
 *
 * The first argument picks a subcommand from COMMANDS; anything else (including no argument, or an
 * argument starting with `-`) is the kubeseal-compatible sealing mode, so `kseal < s.yaml > ss.yaml`
 * and every kubeseal flag work as people already type them.
 *
 * Exit codes: 0 ok, 1 operation failed (bad input, decrypt failure, …), 2 usage error.
 */
import { runCli } from "./run.ts";

process.exitCode = await runCli(process.argv.slice(2));
