/**
 * The KeyObject of each key array, made once: given raw bytes, every createHmac / createCipheriv /
 * createDecipheriv builds a KeyObject of its own (~40 µs on Node 24) — a visible share of a cold
 * sync's HMACs and a third of `kseal sops decrypt` of a 1 MiB file (13,000 values). Callers hold
 * one key array for as long as they use the key (the operator's HMAC key, a SOPS file's data key).
 */
import { createSecretKey, type KeyObject } from "node:crypto";
import { memoPerObject } from "./memo.ts";

export const secretKeyOf = memoPerObject((key) => createSecretKey(key as Uint8Array)) as (key: Uint8Array) => KeyObject;
