import { main } from './cli.js';

// `pnpm switchboard …`, `node --import tsx packages/cli/src/main.ts …`, or the installed `switchboard`.
// Exits explicitly: stdout and stderr are synchronous for files and pipes, so nothing is lost.
process.exit(await main(process.argv.slice(2)));
