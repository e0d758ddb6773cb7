/**
 * One HTTPS request from Tresor (a connection test, a module): the host is resolved through
 * the egress policy and the connection goes to an address it vetted, while the name stays
 * for TLS (SNI, certificate check) and the Host header. Bounded: `timeoutMs` is a deadline for
 * the whole exchange (a server that trickles a byte every few seconds never resets it), an
 * abort signal, and a body cap, so a hostile server cannot hold or flood the caller.
 */
import { request as httpsRequest } from 'node:https';
import { UpstreamError } from '../errors.ts';
import { type EgressPolicy, tlsServerName } from './egress-policy.ts';

export interface OutboundRequest {
  url: URL;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  body?: string;
  egress: EgressPolicy;
  /** Extra trusted CA certificates (PEM); system roots otherwise. */
  ca?: string | Buffer;
  /** The deadline for the whole request, from connecting to the last byte (default 15 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Bytes of body kept at most (default 1 MiB); more fails the request. */
  maxBodyBytes?: number;
}

export interface OutboundResponse {
  status: number;
  text: string;
  /** The body as received (an image, say). */
  body: Buffer;
  contentType: string | undefined;
}

/** Sends the request; a network failure is an UpstreamError naming the host, never a header. */
export async function outboundHttps(request: OutboundRequest): Promise<OutboundResponse> {
  const { url } = request;
  if (url.protocol !== 'https:') throw new UpstreamError(`Only https:// is sent credentials, not ${url.protocol}//`);
  const [address] = await request.egress.resolve(url.hostname);
  const limit = request.maxBodyBytes ?? 1024 * 1024;
  const deadlineMs = request.timeoutMs ?? 15_000;
  return new Promise<OutboundResponse>((resolve, reject) => {
    // Node's `timeout` is an idle timeout: reset by every byte. This one is not.
    const deadline = setTimeout(() => req.destroy(new Error(`no complete answer within ${deadlineMs} ms`)), deadlineMs);
    const settle =
      <T>(done: (value: T) => void) =>
      (value: T) => {
        clearTimeout(deadline);
        done(value);
      };
    resolve = settle(resolve);
    reject = settle(reject);
    const req = httpsRequest(
      {
        hostname: address,
        port: url.port || 443,
        path: `${url.pathname}${url.search}`,
        servername: tlsServerName(url.hostname),
        method: request.method ?? 'GET',
        ca: request.ca,
        timeout: deadlineMs,
        signal: request.signal,
        headers: {
          host: url.host,
          ...request.headers,
          ...(request.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(request.body)) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > limit) req.destroy(new Error(`answer over ${limit} bytes`));
          else chunks.push(chunk);
        });
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            text: body.toString('utf8'),
            body,
            contentType: res.headers['content-type'],
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) =>
      reject(
        new UpstreamError(
          `Cannot reach ${url.host} (${(error as NodeJS.ErrnoException).code ?? error.message})`,
          error,
        ),
      ),
    );
    req.end(request.body);
  });
}
