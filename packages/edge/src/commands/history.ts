import type { HistoryCommand } from '@switchboard/protocol';
import { replyWithFrames } from '../frames.js';
import { authorize } from './authorize.js';
import type { CommandHandler } from './context.js';

/** Reads a room's history; the stored message frames are spliced into the reply as they are. */
export const history: CommandHandler<HistoryCommand> = async (ctx, conn, command) => {
  authorize(conn.identity!, 'read', command.room);
  const { messages, ...rest } = await ctx.router.history({
    room: command.room,
    ...(command.since ? { since: command.since } : {}),
    ...(command.limit !== undefined ? { limit: command.limit } : {}),
    ...(command.reverse !== undefined ? { reverse: command.reverse } : {}),
  });
  ctx.writer.replyText(conn, replyWithFrames(command.id, rest, messages));
};
