/** Environment values the sign-in settings share: a true/false flag and a comma-separated, lower-cased list. */
import { z } from 'zod';

export const flag = (fallback: 'true' | 'false') =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''], { error: 'must be true or false' })
    .default(fallback)
    .transform((v) => (v === '' ? fallback === 'true' : ['true', '1', 'yes'].includes(v)));

export const list = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((d) => d.trim().toLowerCase())
      .filter(Boolean),
  );
