/** The one map from error codes to the CLI's exit codes (documented in the README). */
import type { ErrorCode } from '../errors.ts';

export const exitCodes = {
  ok: 0,
  internal: 1,
  usage: 2,
  notFound: 3,
  denied: 4,
  conflict: 5,
  validation: 6,
  integrity: 7,
  config: 8,
  upstream: 9,
  busy: 10,
  /** The command ran and reports a failure: a connection test with a failed check. */
  testFailed: 11,
  /** `tresor types --check-translations` found texts that fall back to English. */
  translationsMissing: 12,
} as const;

export const exitCodeOf: Record<ErrorCode, number> = {
  VALIDATION_FAILED: exitCodes.validation,
  MALFORMED_INPUT: exitCodes.validation,
  NOT_FOUND: exitCodes.notFound,
  ACCESS_DENIED: exitCodes.denied,
  UNAUTHENTICATED: exitCodes.denied,
  CONFLICT: exitCodes.conflict,
  VERSION_CONFLICT: exitCodes.conflict,
  EXPIRED: exitCodes.denied,
  WRONG_TYPE: exitCodes.validation,
  INTEGRITY_FAILURE: exitCodes.integrity,
  WRONG_MASTER_KEY: exitCodes.integrity,
  TYPE_DEFINITION_INVALID: exitCodes.config,
  CONFIG_INVALID: exitCodes.config,
  UPSTREAM_FAILED: exitCodes.upstream,
  EGRESS_DENIED: exitCodes.denied,
  DESTINATION_REFUSED: exitCodes.denied,
  BUSY: exitCodes.busy,
  RECONNECT_REQUIRED: exitCodes.conflict,
  STEP_UP_REQUIRED: exitCodes.denied,
  INTERNAL: exitCodes.internal,
};
