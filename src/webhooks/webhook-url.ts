/** An endpoint's URL as registration takes it (https only, no credentials or fragment), and its host for the trail. */
import { z } from 'zod';

export const urlSchema = z
  .string()
  .trim()
  .min(1, 'Enter the endpoint’s URL')
  .max(2000, 'At most 2,000 characters')
  .refine((text) => URL.canParse(text), 'Not a URL (https://hooks.example.com/tresor)')
  .transform((text) => new URL(text))
  .refine((url) => url.protocol === 'https:', 'Only https:// endpoints are sent deliveries')
  .refine((url) => url.username === '' && url.password === '', 'Put no user or password in the URL')
  .refine((url) => url.hash === '', 'A URL sent to has no #fragment');

export const hostOf = (url: string) => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};
