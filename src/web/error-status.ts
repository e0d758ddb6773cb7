/** The one map from error codes to HTTP status codes. */
import type { ErrorCode } from '../errors.ts';

export const httpStatusOf: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 422,
  // Bytes no field could hold: the request itself is broken, whatever it asks.
  MALFORMED_INPUT: 400,
  NOT_FOUND: 404,
  ACCESS_DENIED: 403,
  UNAUTHENTICATED: 401,
  CONFLICT: 409,
  VERSION_CONFLICT: 409,
  EXPIRED: 409,
  WRONG_TYPE: 422,
  // Stored data failed its integrity check, or the server is misconfigured: not the caller's fault.
  INTEGRITY_FAILURE: 500,
  WRONG_MASTER_KEY: 500,
  TYPE_DEFINITION_INVALID: 500,
  CONFIG_INVALID: 500,
  UPSTREAM_FAILED: 502,
  // The destination is refused by the server's policy, whoever asks.
  EGRESS_DENIED: 403,
  DESTINATION_REFUSED: 403,
  BUSY: 429,
  // The secret's grant must be renewed by a person before it can be used again.
  RECONNECT_REQUIRED: 409,
  // A sensitive action from a web session whose second factor is minutes old: confirm it first.
  STEP_UP_REQUIRED: 403,
  INTERNAL: 500,
};
