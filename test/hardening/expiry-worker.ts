/**
 * A Tresor process that runs one expiry-notice run at NOTICE_NOW and then waits; the
 * expiry-notice crash suite SIGKILLs it while its SMTP server hangs mid-message.
 */
import { parseConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createTresor } from '../../src/tresor.ts';

const tresor = await createTresor(parseConfig(), { logger: createLogger('silent') });
process.stdout.write('ready\n');
const result = await tresor.notices.run({ now: new Date(process.env.NOTICE_NOW!) });
process.stdout.write(`done ${JSON.stringify(result)}\n`);
