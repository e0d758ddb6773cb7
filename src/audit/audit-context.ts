/**
 * Request facts the audit trail records (request id, client address), carried with
 * AsyncLocalStorage so that services need not thread them through every call.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface AuditContext {
  requestId?: string;
  clientAddress?: string;
  /** The consuming module, when a module acts (mail, jira). */
  module?: string;
}

export const auditContext = new AsyncLocalStorage<AuditContext>();

export function currentAuditContext(): AuditContext {
  return auditContext.getStore() ?? {};
}

/** Runs `fn` with `extra` added to the audit context (e.g. the module name). */
export function withAuditContext<T>(extra: AuditContext, fn: () => Promise<T>): Promise<T> {
  return auditContext.run({ ...currentAuditContext(), ...extra }, fn);
}
