import { ErrorCode, type LeaveCommand } from '@switchboard/protocol';
import type { CommandHandler } from './context.js';

export const leave: CommandHandler<LeaveCommand> = async (ctx, conn, { id, room }) => {
  if (!ctx.membership.exit(conn, room, 'leave')) {
    return ctx.writer.replyError(conn, id, ErrorCode.NotJoined, `not in room "${room}"`);
  }
  ctx.writer.reply(conn, id, {});
};
