import type { HistoryMessage, InfoResult, Member, RoomInfo } from '@switchboard/server-sdk';

/** Left-aligned columns, two spaces apart. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function time(ts: number): string {
  return ts > 0 ? new Date(ts).toISOString().replace('T', ' ').replace('Z', '') : '-';
}

export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

export function members(list: Member[]): string {
  if (list.length === 0) return '(no members)';
  return table(
    ['USER', 'CONN', 'META'],
    list.map((m) => [m.user, m.conn, m.meta ? JSON.stringify(m.meta) : '']),
  );
}

export function historyLines(messages: HistoryMessage[]): string {
  if (messages.length === 0) return '(no messages)';
  return table(
    ['OFFSET', 'TIME', 'FROM', 'EVENT', 'DATA'],
    messages.map((m) => [String(m.offset), time(m.ts), m.from.user, m.event, JSON.stringify(m.data)]),
  );
}

export function roomsTable(rooms: RoomInfo[]): string {
  if (rooms.length === 0) return '(no rooms with members)';
  return table(
    ['ROOM', 'CONNECTIONS', 'USERS'],
    rooms.map((r) => [r.room, String(r.connections), String(r.users)]),
  );
}

export function infoTable(info: InfoResult, now = Date.now()): string {
  const rows = info.nodes.map((n) => [
    n.node,
    n.kind,
    n.version,
    n.kind === 'edge' ? String(n.connections) : '-',
    n.kind === 'edge' ? String(n.rooms) : '-',
    n.startedAt > 0 ? duration(now - n.startedAt) : '-',
    `${duration(now - n.lastSeen)} ago`,
  ]);
  return [
    table(['NODE', 'KIND', 'VERSION', 'CONNECTIONS', 'ROOMS', 'UP', 'SEEN'], rows),
    '',
    `${info.nodes.filter((n) => n.kind === 'edge').length} edge(s), ${info.connections} connection(s); answered by ${info.answeredBy}`,
  ].join('\n');
}
