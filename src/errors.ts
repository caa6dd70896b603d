/**
 * kseal's one error type: a stable machine-readable `code`, a human message built only from names
 * and codes (never from secret values), structured `details`, and the original `cause`.
 *
 * Messages must be deterministic — no timestamps, request ids or values — because they end up in
 * status conditions, and a message that changes on every attempt makes status churn.
 */
export class KsealError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, string | number | boolean>>;

  constructor(
    code: string,
    message: string,
    options: { cause?: unknown; details?: Record<string, string | number | boolean> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "KsealError";
    this.code = code;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }
}

/** True when `e` is a KsealError, optionally with the given code. */
export function isKsealError(e: unknown, code?: string): e is KsealError {
  return e instanceof KsealError && (code === undefined || e.code === code);
}

/**
 * A message for `e` that is safe to show anywhere: a KsealError's own message, or only the error's
 * class name for anything foreign (third-party messages may quote the data they choked on).
 */
export function safeMessage(e: unknown): string {
  if (e instanceof KsealError) return e.message;
  if (e instanceof Error) return `unexpected ${e.name}`;
  return "unexpected error";
}
