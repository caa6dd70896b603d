/**
 * The operator's logger: pino, JSON lines on stdout, level from the caller (flag) or
 * `KSEAL_LOG_LEVEL`, default `info`.
 *
 * Redaction is a safety net, not the policy: log objects must be built from names and codes only.
 * Any field named data, stringData, value, token, password or secret (at the top or up to three
 * levels deep) is replaced by `[Redacted]` in case a whole object slips into a log call.
 */
import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger } from "pino";

/** Field names whose values are never logged. */
export const REDACTED_FIELDS = ["data", "stringData", "value", "token", "password", "secret"] as const;

/** pino redact paths for {@link REDACTED_FIELDS} at depths 0–3. */
export function redactPaths(): string[] {
  const paths: string[] = [];
  for (const f of REDACTED_FIELDS) {
    paths.push(f, `*.${f}`, `*.*.${f}`, `*.*.*.${f}`);
  }
  return paths;
}

export interface LoggerOptions {
  /** trace, debug, info, warn, error, fatal, silent. Default: `KSEAL_LOG_LEVEL` or `info`. */
  readonly level?: string | undefined;
  /** Added as `name` to every line. Default `kseal`. */
  readonly name?: string;
  /** Where lines go (tests). Default stdout. */
  readonly destination?: DestinationStream;
}

const LEVELS = new Set(["trace", "debug", "info", "warn", "error", "fatal", "silent"]);

/** Creates the process logger. An unknown level falls back to `info` rather than crashing. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const wanted = options.level ?? process.env.KSEAL_LOG_LEVEL ?? "info";
  const level = LEVELS.has(wanted) ? wanted : "info";
  const opts = {
    name: options.name ?? "kseal",
    level,
    redact: { paths: redactPaths(), censor: "[Redacted]" },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination === undefined ? pino(opts) : pino(opts, options.destination);
}
