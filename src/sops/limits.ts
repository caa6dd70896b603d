import { sopsError, SopsCode } from "./errors.ts";

/** Caps on untrusted input (Flux's decryptor caps input size the same way). */
export interface Limits {
  /** Largest accepted input, in bytes. */
  readonly maxBytes: number;
  /** Deepest accepted nesting of mappings and sequences. */
  readonly maxDepth: number;
}

export const DEFAULT_LIMITS: Limits = { maxBytes: 8 * 1024 * 1024, maxDepth: 64 };

export function checkSize(input: Uint8Array | string, limits: Limits): void {
  const n = typeof input === "string" ? Buffer.byteLength(input, "utf8") : input.length;
  if (n > limits.maxBytes) {
    throw sopsError(SopsCode.Limit, `input is larger than the ${limits.maxBytes}-byte limit`, { maxBytes: limits.maxBytes });
  }
}

export function checkDepth(depth: number, limits: Limits): void {
  if (depth > limits.maxDepth) {
    throw sopsError(SopsCode.Limit, `input nests deeper than ${limits.maxDepth} levels`, { maxDepth: limits.maxDepth });
  }
}
