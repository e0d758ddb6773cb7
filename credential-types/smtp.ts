/** An outgoing mail server, used by the mail module. Must be shared with `system`. */
import { Credential, Field } from 'tresor';

export type SmtpSecurity = 'starttls' | 'tls' | 'none';

@Credential({
  id: 'smtp',
  name: 'SMTP outgoing server',
  description: 'A mail relay that Tresor modules send e-mail through.',
  logo: 'smtp.svg',
  sharing: { requiredGroup: 'system', creatorMustBelong: true },
})
export class Smtp {
  @Field({
    label: 'Host',
    destination: true,
    help: 'Host name or IP address of the server, e.g. smtp.example.com.',
    pattern: /^[A-Za-z0-9.:[\]-]+$/,
    patternMessage: 'must be a host name or IP address',
    maxLength: 253,
  })
  host!: string;

  @Field({ label: 'Port', style: 'number', destination: true, default: 587, integer: true, min: 1, max: 65535 })
  port!: number;

  @Field({
    label: 'Security',
    style: 'select',
    destination: true,
    help: 'STARTTLS upgrades a plain connection (usually port 587); TLS connects encrypted (usually 465).',
    options: [
      { value: 'starttls', label: 'STARTTLS' },
      { value: 'tls', label: 'TLS' },
      { value: 'none', label: 'None (plain text)' },
    ],
    default: 'starttls',
  })
  security!: SmtpSecurity;

  @Field({ label: 'Username', maxLength: 320 })
  username!: string;

  @Field({ label: 'Password', style: 'secret' })
  password!: string;

  @Field({
    label: 'Sender address',
    style: 'email',
    optional: true,
    help: 'Used as From when a message does not set one.',
  })
  from?: string;
}
