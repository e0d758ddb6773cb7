/** A cookie-keeping client for the server-rendered UI, through fastify's inject: logs in, reads CSRF tokens, posts forms. */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export class UiClient {
  private cookies = new Map<string, string>();
  readonly pages: string[] = [];
  /** Sent with every request, as a browser sends its Accept-Language. */
  readonly headers: Record<string, string> = {};

  constructor(private readonly app: FastifyInstance) {}

  private remember(response: LightMyRequestResponse): void {
    for (const c of response.cookies) {
      if (c.value === '' || (c.expires && new Date(c.expires).getTime() < Date.now())) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  setCookie(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  async get(url: string): Promise<LightMyRequestResponse> {
    const response = await this.app.inject({
      method: 'GET',
      url,
      headers: { ...this.headers, accept: 'text/html', cookie: this.header() },
    });
    this.remember(response);
    this.pages.push(`${url}\n${JSON.stringify(response.headers)}\n${response.body}`);
    return response;
  }

  /** Posts a form, taking the CSRF token from the page at `from` unless `csrf` is given (false: send none). */
  async post(
    url: string,
    fields: Record<string, string>,
    options: { from?: string; csrf?: string | false } = {},
  ): Promise<LightMyRequestResponse> {
    let token = options.csrf;
    if (token === undefined) token = csrfOf((await this.get(options.from ?? url)).body);
    const body = new URLSearchParams({ ...(token === false ? {} : { _csrf: token }), ...fields }).toString();
    const response = await this.app.inject({
      method: 'POST',
      url,
      payload: body,
      headers: {
        ...this.headers,
        accept: 'text/html',
        'content-type': 'application/x-www-form-urlencoded',
        cookie: this.header(),
      },
    });
    this.remember(response);
    this.pages.push(`POST ${url}\n${JSON.stringify(response.headers)}\n${response.body}`);
    return response;
  }

  async login(email: string, password: string): Promise<LightMyRequestResponse> {
    return this.post('/login', { email, password }, { from: '/login' });
  }

  private header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF token on the page');
  return match[1]!;
}
