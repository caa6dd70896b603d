import { KsealError } from "../../src/errors.ts";

/** The KsealError `fn` throws synchronously; any other error is rethrown, no error fails the test. */
export function thrown(fn: () => unknown): KsealError {
  try {
    fn();
  } catch (e: unknown) {
    if (e instanceof KsealError) return e;
    throw e;
  }
  throw new Error("did not throw");
}
