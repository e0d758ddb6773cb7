/**
 * The requests openid-client makes to the identity provider (discovery, keys, token,
 * userinfo), over HTTPS with Tresor's outgoing trust (TRESOR_OUTBOUND_CA_FILE, else the
 * system's roots). The provider is the operator's own choice, often on the company network,
 * so the egress policy that guards user-chosen destinations does not apply; answers are
 * bounded in size and time all the same.
 */
import { request } from 'node:https';
import type { CustomFetch } from 'openid-client';

const maxBodyBytes = 1024 * 1024;

export function providerFetch(ca: string | undefined, timeoutMs: number): CustomFetch {
  return (url, options) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      if (target.protocol !== 'https:') {
        reject(new TypeError(`The identity provider is reached over https only, not ${target.protocol}//`));
        return;
      }
      const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      const req = request(
        target,
        { method: options.method, headers: options.headers, ca, signal: options.signal },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBodyBytes) req.destroy(new Error(`answer over ${maxBodyBytes} bytes`));
            else chunks.push(chunk);
          });
          res.on('end', () => {
            clearTimeout(deadline);
            const headers = new Headers();
            for (const [name, value] of Object.entries(res.headers))
              for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value])
                headers.append(name, v);
            const status = res.statusCode ?? 502;
            const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            resolve(new Response(body, { status, headers }));
          });
        },
      );
      req.on('error', (error) => {
        clearTimeout(deadline);
        reject(error);
      });
      const body = options.body;
      req.end(typeof body === 'string' || body instanceof Uint8Array ? body : body ? String(body) : undefined);
    });
}
