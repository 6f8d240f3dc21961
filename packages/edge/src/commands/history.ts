import type { HistoryCommand } from '@switchboard/protocol';
import { replyWithFrames } from '../frames.js';
import type { CommandHandler } from './context.js';

/** Reads a room's history; the stored message frames are spliced into the reply as they are. */
export const history: CommandHandler<HistoryCommand> = async (ctx, conn, command) => {
  const identity = conn.identity!;
  const { messages, ...rest } = await ctx.router.history({
    user: identity.user,
    grants: identity.grants,
    room: command.room,
    ...(command.since ? { since: command.since } : {}),
    ...(command.limit !== undefined ? { limit: command.limit } : {}),
    ...(command.reverse !== undefined ? { reverse: command.reverse } : {}),
  });
  ctx.writer.replyText(conn, replyWithFrames(command.id, rest, messages));
};
