/** An event as clients receive it (shared/API.md, "Live progress"): the time as ISO-8601. */
import type { BatchEvent } from '../core/events.js';

export function eventToWire(event: BatchEvent): Record<string, unknown> {
  return { ...event, at: new Date(event.at).toISOString() };
}
