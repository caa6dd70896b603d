/**
 * node-forge, loaded on first use. It is one CommonJS bundle of every algorithm it has (~0.9 MB of
 * source, TLS and PKCS#12 included), and only a few template functions and the sealing keys' X.509
 * code use it: an ExternalSecret-only operator whose templates call none of them never loads it.
 */
import { createRequire } from "node:module";
import type Forge from "node-forge";

let loaded: typeof Forge | undefined;

export function nodeForge(): typeof Forge {
  loaded ??= createRequire(import.meta.url)("node-forge") as typeof Forge;
  return loaded;
}
