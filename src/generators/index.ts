/**
 * ESO generators (`generators.external-secrets.io/v1alpha1`): Password, UUID and ClusterGenerator
 * wrapping them, for `dataFrom[].sourceRef.generatorRef`. See password.ts and generate.ts.
 */
export {
  cryptoRandomInt,
  DEFAULT_PASSWORD_LENGTH,
  DEFAULT_SYMBOL_CHARACTERS,
  encodePassword,
  generatePassword,
  GeneratorErrorCode,
  MAX_PASSWORD_LENGTH,
  PASSWORD_ENCODINGS,
  parsePasswordSpec,
  type PasswordEncoding,
  type PasswordSpec,
  type RandomInt,
} from "./password.ts";
export {
  generate,
  generateFromSpec,
  GENERATOR_GROUP,
  GENERATOR_VERSION,
  SUPPORTED_GENERATOR_KINDS,
  type GeneratorReadPort,
  type GeneratorReference,
} from "./generate.ts";
