/** Entry point of the `tresor` command (see bin.mjs). */
import { runCli } from './main.ts';

// `tresor types | head` closes the pipe early; that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2));
