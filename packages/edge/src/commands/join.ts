import { ErrorCode, type JoinCommand } from '@switchboard/protocol';
import { replyWithFrames } from '../frames.js';
import { authorize } from './authorize.js';
import type { CommandHandler } from './context.js';

/** Joins a room with the token's grants; the reply carries the position (and any catch-up). */
export const join: CommandHandler<JoinCommand> = async (ctx, conn, command) => {
  const { id, room } = command;
  authorize(conn.identity!, 'join', room);
  const refusal = ctx.membership.refusal(conn, room);
  if (refusal) return ctx.writer.replyError(conn, id, refusal.code, refusal.message);
  const result = await ctx.membership.enter(conn, room, command.since);
  if (result === 'left') {
    return ctx.writer.replyError(
      conn,
      id,
      ErrorCode.NotJoined,
      `left room "${room}" before the join completed`,
    );
  }
  if (result === 'closed') return;
  const { messages, ...rest } = result;
  ctx.writer.replyText(conn, replyWithFrames(id, rest, messages));
  ctx.membership.activate(conn, room, result);
};
