import type { PresenceCommand } from '@switchboard/protocol';
import { authorize } from './authorize.js';
import type { CommandHandler } from './context.js';

/** Lists who is in a room. */
export const presence: CommandHandler<PresenceCommand> = async (ctx, conn, { id, room }) => {
  authorize(conn.identity!, 'read', room);
  const result = await ctx.presence.list({ room });
  ctx.writer.reply(conn, id, result);
};
