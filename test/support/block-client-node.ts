/**
 * `node --import` this module to make every import of @kubernetes/client-node fail: a process that
 * still works never loaded it.
 */
import { registerHooks } from "node:module";

registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context);
    if (resolved.url.includes("/@kubernetes/client-node/")) throw new Error(`@kubernetes/client-node is blocked (${specifier})`);
    return resolved;
  },
});
