/** An event as clients receive it (shared/API.md, "Live progress"): the time as ISO-8601. */
import type { BatchEvent, WireEvent } from '../core/events.js';

export function eventToWire(event: BatchEvent): WireEvent {
  return { ...event, at: new Date(event.at).toISOString() };
}
