import type { ClientCommand, Op } from '@switchboard/protocol';
import type { Connection } from '../connection.js';
import { connect } from './connect.js';
import type { CommandContext, CommandHandler } from './context.js';
import { history } from './history.js';
import { join } from './join.js';
import { leave } from './leave.js';
import { ping } from './ping.js';
import { presence } from './presence.js';
import { publish } from './publish.js';
import { refresh } from './refresh.js';

/** One handler per op: the type makes a missing or mistyped one a compile error. */
export type CommandTable = { [O in Op]: CommandHandler<Extract<ClientCommand, { op: O }>> };

export const commands: CommandTable = {
  connect,
  refresh,
  join,
  leave,
  publish,
  presence,
  history,
  ping,
};

/** Hands a command to the handler for its op. */
export function dispatch(ctx: CommandContext, conn: Connection, command: ClientCommand): Promise<void> {
  // The table pairs each op with its command type; TypeScript cannot follow that through an index.
  const handler = commands[command.op] as CommandHandler<ClientCommand>;
  return handler(ctx, conn, command);
}
