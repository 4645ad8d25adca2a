/** An event as clients receive it (shared/API.md, "Live progress"): the time as ISO-8601. */
import type { BatchEvent, WireEvent } from '../core/events.js';
import { iso } from '../core/time.js';

export function eventToWire(event: BatchEvent): WireEvent {
  return { ...event, at: iso(event.at) };
}
