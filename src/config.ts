/**
 * Tresor's configuration, parsed once from the environment with zod and passed down.
 * Services never read `process.env`; errors name the variable to fix.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors.ts';

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const environmentSchema = z.object({
  TRESOR_DATA_DIR: z.string().min(1).default('./data'),
  TRESOR_PASSWORD_MIN_SCORE: integer(0, 4).default(3),
  TRESOR_TYPES_DIR: z.string().min(1).optional(),
  TRESOR_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface TresorConfig {
  dataDir: string;
  /** Extra folders of credential types, loaded after the built-in ones. */
  typesDirs: string[];
  passwordMinScore: number;
  logLevel: z.infer<typeof environmentSchema>['TRESOR_LOG_LEVEL'];
}

export function parseConfig(env: Record<string, string | undefined> = process.env): TresorConfig {
  const result = environmentSchema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const variable = String(issue.path[0]);
    throw new ConfigError(`Environment variable ${variable} is invalid: ${issue.message}`, variable);
  }
  const e = result.data;
  return {
    dataDir: resolve(e.TRESOR_DATA_DIR),
    typesDirs: e.TRESOR_TYPES_DIR ? e.TRESOR_TYPES_DIR.split(':').filter(Boolean).map((d) => resolve(d)) : [],
    passwordMinScore: e.TRESOR_PASSWORD_MIN_SCORE,
    logLevel: e.TRESOR_LOG_LEVEL,
  };
}
