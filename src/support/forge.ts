/**
 * node-forge, loaded on first use. It is one CommonJS bundle of every algorithm it has (~0.9 MB of
 * source, TLS and PKCS#12 included), and only a few template functions and the sealing keys' X.509
 * code use it: an ExternalSecret-only operator whose templates call none of them never loads it.
 */
import type Forge from "node-forge";
import { lazyRequire } from "./lazy-require.ts";

export const nodeForge = lazyRequire("node-forge") as () => typeof Forge;
