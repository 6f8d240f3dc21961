import { ErrorCode, type JoinCommand } from '@switchboard/protocol';
import { replyWithFrames } from '../frames.js';
import type { CommandHandler } from './context.js';

/** Joins a room with the token's grants; the reply carries the position (and any catch-up). */
export const join: CommandHandler<JoinCommand> = async (ctx, conn, command) => {
  const { id, room } = command;
  const refusal = ctx.membership.refusal(conn, room);
  if (refusal) return ctx.writer.replyError(conn, id, refusal.code, refusal.message);
  const identity = conn.identity!;
  const result = await ctx.membership.enter(conn, room, identity.grants, command.since);
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
