import type { EventStore, JSONRPCMessage } from '@modelcontextprotocol/server';

/**
 * A session's SSE events kept in memory so a client that lost its stream can resume with `Last-Event-ID`
 * (MCP Streamable HTTP §"Resumability and Redelivery"). Bounded: the oldest events are dropped first.
 */
export class SessionEventStore implements EventStore {
  private readonly events = new Map<string, { streamId: string; message: JSONRPCMessage }>();
  private next = 0;

  constructor(private readonly maxEvents = 1_000) {}

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const eventId = `${streamId}_${(this.next++).toString(36)}`;
    this.events.set(eventId, { streamId, message });
    if (this.events.size > this.maxEvents) this.events.delete(this.events.keys().next().value as string);
    return eventId;
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return this.events.get(eventId)?.streamId;
  }

  async replayEventsAfter(lastEventId: string, { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> }): Promise<string> {
    const last = this.events.get(lastEventId);
    if (!last) throw new Error(`event ${lastEventId} is unknown or too old to replay; reconnect without Last-Event-ID`);
    let after = false;
    for (const [eventId, event] of this.events) {
      if (after && event.streamId === last.streamId) await send(eventId, event.message);
      if (eventId === lastEventId) after = true;
    }
    return last.streamId;
  }
}
