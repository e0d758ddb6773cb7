/** Input rules for users and groups; errors name the field. */
import { z } from 'zod';

export const emailSchema = z
  .string({ error: 'E-mail must be text' })
  .trim()
  .toLowerCase()
  .pipe(
    z
      .email({ error: 'E-mail must be an address like name@example.com' })
      .max(320, 'E-mail must be at most 320 characters'),
  );

export const displayNameSchema = z
  .string({ error: 'Display name must be text' })
  .trim()
  .min(1, 'Display name must not be empty')
  .max(100, 'Display name must be at most 100 characters')
  .refine((s) => !s.includes('\u0000'), 'Display name must not contain NUL characters');

export const loginPasswordSchema = z
  .string({ error: 'Password must be text' })
  .min(12, 'Password must be at least 12 characters')
  .max(1000, 'Password must be at most 1000 characters');

export const groupNameSchema = z
  .string({ error: 'Group name must be text' })
  .regex(
    /^[a-z0-9][a-z0-9_.-]{0,63}$/,
    'Group name must be 1–64 lowercase letters, digits, _, - or ., starting with a letter or digit',
  );

export const groupDescriptionSchema = z
  .string({ error: 'Description must be text' })
  .max(500, 'Description must be at most 500 characters')
  .refine((s) => !s.includes('\u0000'), 'Description must not contain NUL characters');

/** The sign-in sources a group's members may come from. */
export const signInSources = ['oidc', 'ldap', 'host', 'scim'] as const;
export type SignInSource = (typeof signInSources)[number];
export const signInSourceSchema = z.enum(signInSources, { error: 'Managed by must be one of: oidc, ldap, host, scim' });
