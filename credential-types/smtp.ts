/** An outgoing mail server, used by the mail module. Must be shared with `system`. */
import type { TestCheck, TestContext } from 'tresor';
import { Credential, destinationCheck, Field, failed, notTried, passed, skipped, tlsServerName } from 'tresor';

export type SmtpSecurity = 'starttls' | 'tls' | 'none';

/** What nodemailer's SMTP transport is given (the subset Tresor sets). */
export interface SmtpTransportOptions {
  host: string;
  servername: string | undefined;
  port: number;
  secure: boolean;
  requireTLS: boolean;
  ignoreTLS: boolean;
  auth: { user: string; pass: string } | undefined;
  connectionTimeout: number;
  greetingTimeout: number;
  socketTimeout: number;
  tls: { ca?: string | Buffer };
  logger: false;
}

/** A TLS failure as nodemailer reports it: an ETLS code, or a socket error about certificates or the handshake. */
const tlsProblem = (error: { code?: string; message: string }) =>
  error.code === 'ETLS' || /certificate|self[- ]signed|SSL|TLS|wrong version|handshake/i.test(error.message);

@Credential({
  id: 'smtp',
  name: { en: 'SMTP outgoing server', de: 'SMTP-Postausgangsserver' },
  description: {
    en: 'A mail relay that Tresor modules send e-mail through.',
    de: 'Ein Mail-Relay, über das Tresor-Module E-Mails versenden.',
  },
  logo: 'smtp.svg',
  sharing: { requiredGroup: 'system', creatorMustBelong: true },
})
export class Smtp {
  @Field({
    label: { en: 'Host', de: 'Server' },
    destination: true,
    help: {
      en: 'Host name or IP address of the server, e.g. smtp.example.com.',
      de: 'Hostname oder IP-Adresse des Servers, z. B. smtp.example.com.',
    },
    pattern: /^[A-Za-z0-9.:[\]-]+$/,
    patternMessage: { en: 'must be a host name or IP address', de: 'muss ein Hostname oder eine IP-Adresse sein' },
    maxLength: 253,
  })
  host!: string;

  @Field({
    label: { en: 'Port', de: 'Port' },
    style: 'number',
    destination: true,
    default: 587,
    integer: true,
    min: 1,
    max: 65535,
  })
  port!: number;

  @Field({
    label: { en: 'Security', de: 'Verschlüsselung' },
    style: 'select',
    destination: true,
    help: {
      en: 'STARTTLS upgrades a plain connection (usually port 587); TLS connects encrypted (usually 465).',
      de:
        'STARTTLS verschlüsselt eine unverschlüsselte Verbindung nachträglich (meist Port 587), ' +
        'TLS verbindet sofort verschlüsselt (meist 465).',
    },
    options: [
      { value: 'starttls', label: { en: 'STARTTLS', de: 'STARTTLS' } },
      { value: 'tls', label: { en: 'TLS', de: 'TLS' } },
      { value: 'none', label: { en: 'None (plain text)', de: 'Keine (Klartext)' } },
    ],
    default: 'starttls',
  })
  security!: SmtpSecurity;

  @Field({
    label: { en: 'Sign in', de: 'Anmelden' },
    style: 'checkbox',
    default: true,
    help: {
      en: 'Off for a relay that accepts mail without a username and password (e.g. by address).',
      de: 'Aus für ein Relay, das E-Mails ohne Benutzername und Passwort annimmt (z. B. nach Adresse).',
    },
  })
  authentication!: boolean;

  @Field({ label: { en: 'Username', de: 'Benutzername' }, maxLength: 320, showWhen: { authentication: [true] } })
  username!: string;

  @Field({ label: { en: 'Password', de: 'Passwort' }, style: 'secret', showWhen: { authentication: [true] } })
  password!: string;

  @Field({
    label: { en: 'Sender address', de: 'Absenderadresse' },
    style: 'email',
    optional: true,
    help: {
      en: 'Used as From when a message does not set one.',
      de: 'Wird als Absender verwendet, wenn eine Nachricht keinen angibt.',
    },
  })
  from?: string;

  /**
   * nodemailer's options for this server, connecting to `address` (one the egress policy
   * vetted) while the host name stays for TLS: one place for the mail module and the test.
   */
  transportOptions(address: string, options: { ca?: string | Buffer; timeoutMs?: number } = {}): SmtpTransportOptions {
    const timeout = options.timeoutMs ?? 10_000;
    return {
      host: address,
      servername: tlsServerName(this.host),
      port: this.port,
      secure: this.security === 'tls',
      requireTLS: this.security === 'starttls',
      ignoreTLS: this.security === 'none',
      auth: this.authentication ? { user: this.username, pass: this.password } : undefined,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      tls: options.ca ? { ca: options.ca } : {},
      logger: false,
    };
  }

  /** Connects, secures the connection as configured and signs in (nodemailer's verify); sends nothing. */
  async test(context: TestContext): Promise<TestCheck[]> {
    const where = `${this.host}:${this.port}`;
    const tlsName = this.security === 'tls' ? 'TLS' : this.security === 'starttls' ? 'STARTTLS' : 'Encryption';
    const signIn = () =>
      this.authentication
        ? passed('Sign in', `Signed in as ${this.username}`)
        : skipped('Sign in', 'Sign in is off: the server accepted the connection without it');
    const destination = await destinationCheck(context.egress, this.host, 'Connect', tlsName, 'Sign in');
    if (!destination.ok) return destination.checks;
    const { address, check: allowed } = destination;
    const secured =
      this.security === 'none'
        ? skipped('Encryption', 'Security is set to none: everything crosses the network in plain text')
        : passed(tlsName, 'The server’s certificate was accepted');
    const { default: nodemailer } = await import('nodemailer');
    const transport = nodemailer.createTransport(
      this.transportOptions(address, { ca: context.ca, timeoutMs: Math.min(context.budgetMs, 10_000) }),
    );
    const closeOnAbort = () => transport.close();
    context.signal.addEventListener('abort', closeOnAbort, { once: true });
    try {
      await transport.verify();
      return [allowed, passed('Connect', `${where} answered`), secured, signIn()];
    } catch (caught) {
      const error = caught as { code?: string; responseCode?: number; message: string };
      if (error.code === 'EAUTH')
        return [
          allowed,
          passed('Connect', `${where} answered`),
          secured,
          failed('Sign in', `The server refused the username and password (${error.responseCode ?? 'EAUTH'})`),
        ];
      if (this.security !== 'none' && tlsProblem(error))
        return [
          allowed,
          passed('Connect', `${where} answered`),
          failed(tlsName, `TLS failed: ${error.message}`),
          ...notTried('Sign in'),
        ];
      return [
        allowed,
        failed('Connect', `Cannot reach ${where} (${error.code ?? 'error'}): ${error.message}`),
        ...notTried(tlsName, 'Sign in'),
      ];
    } finally {
      context.signal.removeEventListener('abort', closeOnAbort);
      transport.close();
    }
  }
}
