/**
 * What a host app hands `tresorPlugin` to make Tresor part of itself: its identities (who is
 * signed in on a request, where to sign in and out) and its look (a layout its pages render in).
 * The host authenticates; every access decision stays in Tresor's gate (README, "Security model").
 */
import type { FastifyRequest } from 'fastify';
import type { HostDirectory, HostUser } from '../identity/host/host-user.ts';

export type { HostDirectory, HostUser } from '../identity/host/host-user.ts';

export interface HostIdentity extends HostDirectory {
  /**
   * Who is signed in at the host for this request (its session, read its own way), or
   * undefined. Asked on every request to a Tresor page; Tresor keeps no session of its own.
   */
  currentUser(request: FastifyRequest): HostUser | undefined | Promise<HostUser | undefined>;
  /** Where to send someone to sign in; `returnTo` is the Tresor page (a path) to come back to. */
  signInUrl(returnTo: string): string;
  /** Where Tresor's "Log out" leads (the host's own sign-out, by GET). */
  signOutUrl: string;
}

/** One of Tresor's pages, handed to a host's layout function. */
export interface HostPage {
  /** The page's title (without "· Tresor"). */
  title: string;
  /** Markup for the host page's <head>: Tresor's stylesheet. */
  head: string;
  /** The Tresor pages this person may open (the gate decided), for the host's own navigation. */
  navigation: ReadonlyArray<{ label: string; href: string; current: boolean }>;
  /** The page itself, escaped and ready: place it inside the host's <main>. */
  content: string;
  status: number;
}

/**
 * How Tresor's pages look: its own layout (default), `'bare'` (Tresor's page without its
 * header and navigation: the host links to its pages), or the host's layout as a function.
 */
export type TresorLayout = 'tresor' | 'bare' | ((page: HostPage) => string | Promise<string>);
