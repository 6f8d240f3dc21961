import { type Bus, encodeJson, type NodeHeartbeat, Subjects } from '@switchboard/bus';

/** As often as edges and api instances beat (the api drops a node silent for 10 s). */
export const SERVICE_HEARTBEAT_MS = 3_000;
/** The version a service reports, as the edge and the api do. */
const SERVICE_VERSION = '0.1.0';

/**
 * Announces a service process (auth, router, presence) on `sb.nodes.<kind>` every few seconds,
 * the heartbeat edges and api instances already send, so the api's `Info` (and the ops console)
 * lists every node of the cluster. Returns how to stop it.
 */
export function startNodeHeartbeat(
  bus: Bus,
  node: { nodeId: string; kind: 'auth' | 'router' | 'presence' },
  intervalMs = SERVICE_HEARTBEAT_MS,
): () => void {
  const startedAt = Date.now();
  const beat = () => {
    const heartbeat: NodeHeartbeat = {
      node: node.nodeId,
      kind: node.kind,
      version: SERVICE_VERSION,
      startedAt,
      ts: Date.now(),
    };
    try {
      bus.publish(Subjects.nodes(node.kind), encodeJson(heartbeat));
    } catch {
      // The bus is down or closing: the next beat will tell.
    }
  };
  beat();
  const timer = setInterval(beat, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
