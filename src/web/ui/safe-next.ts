/** Only paths of Tresor's own UI are followed after signing in (no open redirect). */
export const safeNext = (base: string, next: unknown): string =>
  typeof next === 'string' && next.startsWith(`${base}/`) && /^\/(?!\/)[\w\-./?=&%]*$/.test(next)
    ? next
    : `${base}/secrets`;
