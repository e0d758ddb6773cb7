/** Messages between the event loop and the hook worker. */
import type { HookIssue, TypeSettings } from '../definition.ts';
import type { Payload } from '../field-options.ts';

export interface HookRequest {
  id: number;
  moduleUrl: string;
  exportName: string;
  payload: Payload;
  settings: TypeSettings;
}

export type HookResponse =
  | { id: number; issues: HookIssue[]; facts: Record<string, string>; error?: undefined }
  | { id: number; error: string; issues?: undefined; facts?: undefined };
