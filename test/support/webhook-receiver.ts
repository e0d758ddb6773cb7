/**
 * A webhook receiver on loopback HTTPS (its own CA), as a service receiving Tresor's
 * deliveries would run one: it records every request with its raw body and checks each
 * signature by hand (HMAC-SHA256 over "<t>.<body>", not Tresor's own verifier) against the
 * signing secrets it was given. It can be told to answer with an error for a while. A path
 * under /trickle is answered one byte every 300 ms for 20 s (a receiver that holds the sender).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverCertificate } from './pki.ts';

export interface ReceivedDelivery {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Which of the known secrets signed it (undefined: none did). */
  signedWith: string | undefined;
  json: { id: string; event: string; createdAt: string; data: Record<string, unknown> };
}

export interface WebhookReceiver {
  /** https://127.0.0.1:<port> */
  base: string;
  /** A PEM file holding the receiver's CA (for TRESOR_OUTBOUND_CA_FILE). */
  caFile: string;
  received: ReceivedDelivery[];
  /** Secrets a signature is checked against. */
  secrets: Set<string>;
  /** Answer this status to the next `times` requests (then 204 again). */
  failNext(times: number, status?: number): void;
  close(): Promise<void>;
}

function signedBy(secrets: Iterable<string>, header: string | undefined, body: string): string | undefined {
  const parts = Object.fromEntries((header ?? '').split(',').map((p) => p.split('=', 2) as [string, string]));
  if (!parts.t || !parts.v1 || !/^[0-9a-f]{64}$/.test(parts.v1)) return undefined;
  const given = Buffer.from(parts.v1, 'hex');
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(`${parts.t}.${body}`).digest();
    if (timingSafeEqual(expected, given)) return secret;
  }
  return undefined;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const tls = await serverCertificate();
  const caFile = join(mkdtempSync(join(tmpdir(), 'tresor-webhook-ca-')), 'ca.pem');
  writeFileSync(caFile, tls.ca);
  const received: ReceivedDelivery[] = [];
  const secrets = new Set<string>();
  const failing = { times: 0, status: 500 };
  const server: Server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.url?.startsWith('/trickle')) {
        res.writeHead(200, { 'content-length': '100' });
        let sent = 0;
        const drip = setInterval(() => {
          if (res.destroyed || ++sent >= 66) {
            clearInterval(drip);
            res.end('x'.repeat(Math.max(0, 100 - sent + 1)));
          } else res.write('x');
        }, 300);
        res.on('close', () => clearInterval(drip));
        return;
      }
      if (failing.times > 0) {
        failing.times--;
        res.writeHead(failing.status).end('not now');
        return;
      }
      received.push({
        path: req.url ?? '',
        headers: req.headers,
        body,
        signedWith: signedBy(secrets, req.headers['tresor-signature'] as string | undefined, body),
        json: JSON.parse(body) as ReceivedDelivery['json'],
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caFile,
    received,
    secrets,
    failNext(times, status = 500) {
      failing.times = times;
      failing.status = status;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
