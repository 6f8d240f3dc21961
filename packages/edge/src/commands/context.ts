import type { AuthClient, Identity } from '@switchboard/auth';
import type { PresenceClient } from '@switchboard/presence';
import type { ClientCommand, ConnectResult } from '@switchboard/protocol';
import type { RouterClient } from '@switchboard/router';
import type { Logger } from '@switchboard/telemetry';
import type { Connection } from '../connection.js';
import type { ConnectionDeadlines } from '../connection-deadlines.js';
import type { ConnectionWriter } from '../connection-writer.js';
import type { Membership } from '../membership.js';
import type { EdgeMetrics } from '../metrics.js';

/** What command handlers work with: the services behind the edge and the edge's collaborators. */
export interface CommandContext {
  auth: AuthClient;
  router: RouterClient;
  presence: PresenceClient;
  writer: ConnectionWriter;
  membership: Membership;
  deadlines: ConnectionDeadlines;
  metrics: EdgeMetrics;
  log: Logger;
  /** Opens a connection whose token proved good (users, expiry, the connect event). */
  /** Opens the connection; its user was held with `holdUser` first. */
  open(conn: Connection, identity: Identity): void;
  /** Subscribes to a user's subject before their connection opens; settles when subscribed. */
  holdUser(user: string): Promise<void>;
  /** Ends a hold whose connection did not open. */
  releaseUser(user: string): void;
  /** When a user's subject is subscribed on the bus server. */
  userReady(user: string): Promise<void>;
  /** What the connect reply tells an open connection. */
  connectResult(conn: Connection): ConnectResult;
  /** Runs a command as if it had just arrived (for those pipelined behind `connect`). */
  run(conn: Connection, command: ClientCommand): void;
}

/**
 * Handles one command of one connection, replying (or failing: the runner replies with the
 * error). Every command but `connect` runs on an open connection.
 */
export type CommandHandler<C extends ClientCommand> = (
  ctx: CommandContext,
  conn: Connection,
  command: C,
) => Promise<void>;
