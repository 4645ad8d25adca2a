/**
 * The Redis event bus's message: what one node sends another on a batch's channel. JSON, an
 * envelope with a version (nodes of two releases may share a Redis during an upgrade) and
 * the batch's events in order, `at` as epoch ms. Checked on receipt against one schema: a
 * message from a peer we do not understand is dropped, never handed to a listener.
 */
import Type from 'typebox';
import { Compile } from 'typebox/compile';
import { once } from '../../core/once.js';
import { EVENT_TYPES, type BatchEvent } from '../../core/events.js';
import { BATCH_STATUSES, FILE_STATUSES } from '../../core/model.js';

/** Bumped when the shape changes so that an older node drops what it cannot read. */
export const MESSAGE_VERSION = 1;

const Count = Type.Integer({ minimum: 0 });

const EventSchema = Type.Object({
  seq: Type.Integer({ minimum: 1 }),
  type: Type.Enum([...EVENT_TYPES]),
  batchId: Type.String({ minLength: 1 }),
  at: Type.Number(),
  status: Type.Enum([...BATCH_STATUSES]),
  file: Type.Optional(
    Type.Object({
      index: Type.Integer({ minimum: 0 }),
      name: Type.String(),
      status: Type.Enum([...FILE_STATUSES]),
      progress: Type.Number({ minimum: 0, maximum: 100 }),
      error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
    }),
  ),
  counts: Type.Object({
    queued: Count,
    running: Count,
    retrying: Count,
    succeeded: Count,
    failed: Count,
    cancelled: Count,
  }),
  progress: Type.Number({ minimum: 0, maximum: 100 }),
  etaMs: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
});

const MessageSchema = Type.Object({
  v: Type.Literal(MESSAGE_VERSION),
  events: Type.Array(EventSchema, { minItems: 1 }),
});

/**
 * Compiled once, on the first message: compiling costs far more than checking, and a node
 * without Redis never needs it.
 */
const validator = once(() => Compile(MessageSchema));

/** The message carrying `events`, all of one batch, in order. */
export function encodeMessage(events: readonly BatchEvent[]): string {
  return JSON.stringify({ v: MESSAGE_VERSION, events });
}

/**
 * The events of a message received on `batchId`'s channel, or why it was dropped: not JSON,
 * not our shape (or another version), or an event of another batch than its channel's.
 */
export function decodeMessage(batchId: string, text: string): BatchEvent[] | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'not JSON' };
  }
  if (!validator().Check(value)) return { problem: 'not an event message of version 1' };
  const events = value.events as BatchEvent[];
  if (events.some((event) => event.batchId !== batchId)) {
    return { problem: 'an event of another batch than its channel' };
  }
  return events;
}
