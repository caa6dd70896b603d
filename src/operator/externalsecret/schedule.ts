/**
 * Cron arithmetic for `refreshSchedule` and `syncWindows`, on an injected instant (ms since epoch,
 * UTC). Supports five/six-field cron, `@hourly`-style descriptors and `@every <duration>`.
 */
import type { CronExpressionParser } from "cron-parser";
import { KsealError } from "../../errors.ts";
import { lazyRequire } from "../../support/lazy-require.ts";
import { parseDuration } from "./parse.ts";

export const INVALID_SCHEDULE = "ES_INVALID_SCHEDULE";

function every(expr: string): number | undefined {
  const m = /^@every\s+(\S+)$/.exec(expr.trim());
  if (m?.[1] === undefined) return undefined;
  const ms = parseDuration(m[1], "schedule");
  if (ms <= 0) throw new KsealError(INVALID_SCHEDULE, "@every needs a positive duration");
  return ms;
}

/**
 * cron-parser, loaded on the first cron expression: it brings luxon, ~1 MB of code and source that
 * a fleet on `refreshInterval` (the common case, and the benchmarked one) never runs.
 */
const cronParser = lazyRequire("cron-parser") as () => { CronExpressionParser: typeof CronExpressionParser };

function parse(expr: string, at: number): ReturnType<typeof CronExpressionParser.parse> {
  try {
    return cronParser().CronExpressionParser.parse(expr, { currentDate: new Date(at), tz: "UTC" });
  } catch (e: unknown) {
    throw new KsealError(INVALID_SCHEDULE, `schedule "${expr}" is not a valid cron expression`, { cause: e });
  }
}

/** The first fire time strictly after `now`. Throws ES_INVALID_SCHEDULE on a bad expression. */
export function nextFire(expr: string, now: number): number {
  const step = every(expr);
  if (step !== undefined) return (Math.floor(now / step) + 1) * step;
  return parse(expr, now).next().getTime();
}

/** The last fire time at or before `now`. */
export function prevFire(expr: string, now: number): number {
  const step = every(expr);
  if (step !== undefined) return Math.floor(now / step) * step;
  return parse(expr, now + 1).prev().getTime();
}

/** Checks an expression without evaluating it further (for validation). */
export function checkSchedule(expr: string): void {
  nextFire(expr, 0);
}
