/**
 * Logos that work offline (issue "Credential types that do more than hold values", part 5):
 * a type's https:// logo is fetched by the server through the egress policy, cached, and
 * served from Tresor's origin; pages never point the browser at a third party, and the CSP
 * allows images from 'self' and data: only. A logo that cannot be fetched falls back.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Credential, Field } from '../../src/index.ts';
import { remoteLogoPath } from '../../src/web/remote-logos.ts';
import { UiClient } from '../support/browser-session.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { serverCertificate } from '../support/pki.ts';

const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>';

describe('remote type logos, served from Tresor', () => {
  let h: TestApp;
  let server: Server;
  let hits = 0;
  let logoUrl: string;
  let missingUrl: string;

  beforeAll(async () => {
    const tls = await serverCertificate();
    server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      hits++;
      if (req.url === '/logo.svg') res.writeHead(200, { 'content-type': 'image/svg+xml' }).end(svg);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    logoUrl = `${origin}/logo.svg`;
    missingUrl = `${origin}/gone.svg`;
    const folder = mkdtempSync(join(tmpdir(), 'tresor-logo-ca-'));
    writeFileSync(join(folder, 'ca.pem'), tls.ca);
    h = await testApp('pglite', { TRESOR_OUTBOUND_CA_FILE: join(folder, 'ca.pem') });
    @Credential({ id: 'remote-logo', name: 'Remote logo', description: 'Its logo is remote.', logo: logoUrl })
    class RemoteLogo {
      @Field({ label: 'Key', style: 'secret' }) key!: string;
    }
    @Credential({ id: 'missing-logo', name: 'Missing logo', description: 'Its logo is gone.', logo: missingUrl })
    class MissingLogo {
      @Field({ label: 'Key', style: 'secret' }) key!: string;
    }
    h.tresor.registry.register(RemoteLogo);
    h.tresor.registry.register(MissingLogo);
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await h?.close();
  });

  it('points pages at its own origin and allows no third-party images', async () => {
    const ui = new UiClient(h.app);
    const email = (await h.tresor.users.get(h.admin, (h.admin as { id: string }).id)).email;
    await ui.login(email, 'correct horse battery staple');
    const picker = await ui.get('/secrets/new');
    expect(picker.body).toContain(`src="${remoteLogoPath(logoUrl)}"`);
    expect(picker.body).not.toContain(logoUrl);
    const csp = String(picker.headers['content-security-policy']);
    expect(csp).toMatch(/img-src 'self' data:(;|$)/);
  });

  it('fetches the logo once, serves it as an image, and falls back to the bundled one', async () => {
    const first = await h.app.inject({ url: remoteLogoPath(logoUrl) });
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(first.body).toBe(svg);
    const before = hits;
    expect((await h.app.inject({ url: remoteLogoPath(logoUrl) })).body).toBe(svg);
    expect(hits).toBe(before);
    const missing = await h.app.inject({ url: remoteLogoPath(missingUrl) });
    expect(missing.statusCode).toBe(200);
    expect(missing.body).toContain('<svg');
    expect(missing.body).not.toBe(svg);
  });

  it('fetches only logos that registered types declare', async () => {
    const before = hits;
    const other = await h.app.inject({ url: remoteLogoPath(`${logoUrl}?anything`) });
    expect(other.statusCode).toBe(404);
    expect(hits).toBe(before);
  });
});
