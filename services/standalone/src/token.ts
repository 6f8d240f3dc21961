import { parseArgs } from 'node:util';
import { mintToken } from '@switchboard/auth';
import { effectiveJwtSecrets, loadConfigOrExit } from '@switchboard/runtime';

const usage = `Prints a development token.

  pnpm -s run token --user alice --rooms 'chat:*'

  --user <id>          the token's subject (required)
  --rooms <patterns>   rooms to join AND publish in, comma-separated ('*' = all, '{user}' = own id)
  --join <patterns>    rooms to join only
  --publish <patterns> rooms to publish in only
  --name <text>        public display name (token claim sb.meta.name, shown in presence)
  --ttl <seconds>      lifetime (default 3600)
  --secret <secret>    HS256 secret (default: first of SB_JWT_SECRETS, else the development secret)`;

const { values } = parseArgs({
  options: {
    user: { type: 'string' },
    rooms: { type: 'string' },
    join: { type: 'string' },
    publish: { type: 'string' },
    name: { type: 'string' },
    ttl: { type: 'string', default: '3600' },
    secret: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help || !values.user) {
  console.error(usage);
  process.exit(values.help ? 0 : 2);
}
const ttl = Number(values.ttl);
if (!Number.isInteger(ttl) || ttl <= 0) {
  console.error('--ttl must be a positive whole number of seconds');
  process.exit(2);
}
const secret = values.secret ?? effectiveJwtSecrets(loadConfigOrExit())[0];
if (!secret) {
  console.error('no HS256 secret: pass --secret or set SB_JWT_SECRETS');
  process.exit(2);
}
const split = (s: string | undefined) =>
  (s ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
const rooms = split(values.rooms);
console.log(
  mintToken(secret, {
    user: values.user,
    join: [...rooms, ...split(values.join)],
    publish: [...rooms, ...split(values.publish)],
    ...(values.name ? { meta: { name: values.name } } : {}),
    ttlS: ttl,
  }),
);
