/** The extra CA certificates Tresor trusts for its own outgoing TLS (TRESOR_OUTBOUND_CA_FILE), read once at start. */
import { readFileSync } from 'node:fs';
import type { TresorConfig } from '../config.ts';
import { ConfigError } from '../errors.ts';

export function outboundCa(config: Pick<TresorConfig, 'outboundCaFile'>): string | undefined {
  if (!config.outboundCaFile) return undefined;
  let text: string;
  try {
    text = readFileSync(config.outboundCaFile, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(
      `TRESOR_OUTBOUND_CA_FILE ${config.outboundCaFile} cannot be read (${reason})`,
      'TRESOR_OUTBOUND_CA_FILE',
    );
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----'))
    throw new ConfigError(
      `TRESOR_OUTBOUND_CA_FILE ${config.outboundCaFile} holds no PEM certificate`,
      'TRESOR_OUTBOUND_CA_FILE',
    );
  return text;
}
