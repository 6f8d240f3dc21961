import type { PresenceCommand } from '@switchboard/protocol';
import type { CommandHandler } from './context.js';

/** Lists who is in a room. */
export const presence: CommandHandler<PresenceCommand> = async (ctx, conn, { id, room }) => {
  const identity = conn.identity!;
  const result = await ctx.presence.list({ room, user: identity.user, grants: identity.grants });
  ctx.writer.reply(conn, id, result);
};
