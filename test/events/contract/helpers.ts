/**
 * Helpers of the EventBus behaviour suite: buses opened per test and closed after it, events
 * made to order, listeners that record, and waits that poll for content within a bound (a
 * slow machine makes a test slower, never red). A bus that crosses processes subscribes
 * asynchronously, so a recorder is "ready" once a probe published after it has come back.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BatchEvent, EventType } from '../../../src/core/events.js';
import { emptyCounts } from '../../../src/core/model.js';
import type { EventBus } from '../../../src/core/ports.js';

/** Makes a bus; within one test, every bus it makes is on the same medium (another node). */
export type EventBusFactory = () => EventBus | Promise<EventBus>;

/** What a bus offers beyond the common behaviour, as data (never found by `instanceof`). */
export interface EventBusCapabilities {
  /** Events published on another instance reach this instance's subscribers. */
  crossInstance: boolean;
}

/** Probes carry this `at`; recorders leave them out. */
const PROBE_AT = -1;
/** How long a wait may take before the test fails (ms): a bound, not a speed requirement. */
const WAIT_BOUND_MS = 10_000;

/** Registers the buses made in a test for closing after it; returns the opener. */
export function useBuses(factory: EventBusFactory): () => Promise<EventBus> {
  const open: EventBus[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((bus) => bus.close()));
  });
  return async () => {
    const bus = await factory();
    open.push(bus);
    return bus;
  };
}

/** A batch id of this test alone (buses of several tests may share one Redis). */
export function batchId(): string {
  return `b_test${randomBytes(8).toString('hex')}`;
}

/** An event of `batch` numbered `seq`; `overrides` change any field. */
export function event(batch: string, seq: number, overrides: Partial<BatchEvent> = {}): BatchEvent {
  return {
    seq,
    type: 'batch.progress' as EventType,
    batchId: batch,
    at: 1_700_000_000_000 + seq,
    status: 'running',
    counts: { ...emptyCounts(), queued: 2, running: 1 },
    progress: 10,
    etaMs: 5_000,
    ...overrides,
  };
}

export interface Recorder {
  readonly events: BatchEvent[];
  /** Probes seen, so that `ready` knows the subscription is live. */
  probes: number;
  unsubscribe: () => void;
}

/** Subscribes a listener to `batch` on `bus` that records what it gets (probes apart). */
export function record(bus: EventBus, batch: string, onEvent?: (event: BatchEvent) => void): Recorder {
  const recorder: Recorder = { events: [], probes: 0, unsubscribe: () => undefined };
  recorder.unsubscribe = bus.subscribe(batch, (received) => {
    if (received.at === PROBE_AT) recorder.probes++;
    else recorder.events.push(received);
    onEvent?.(received);
  });
  return recorder;
}

/**
 * Waits until every recorder of `batch` has seen a probe that `publisher` sent after they
 * subscribed: from then on, what `publisher` sends to `batch` reaches them.
 */
export async function ready(publisher: EventBus, batch: string, recorders: Recorder[]): Promise<void> {
  const start = recorders.map((r) => r.probes);
  const seen = (): boolean => recorders.every((r, i) => r.probes > (start[i] ?? 0));
  const deadline = Date.now() + WAIT_BOUND_MS;
  while (!seen()) {
    assert.ok(Date.now() < deadline, `no probe of ${batch} came back`);
    publisher.publish([event(batch, 1, { at: PROBE_AT })]);
    for (let i = 0; i < 20 && !seen(); i++) await sleep(10);
  }
}

/** Polls `condition` until it holds; fails naming `what` after the bound. */
export async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_BOUND_MS;
  while (!condition()) {
    assert.ok(Date.now() < deadline, `gave up waiting for ${what}`);
    await sleep(10);
  }
}

/** Sequence numbers, for short assertion messages. */
export function seqs(events: readonly BatchEvent[]): number[] {
  return events.map((e) => e.seq);
}

/** How many network sockets this process holds open. */
export function openSockets(): number {
  return process.getActiveResourcesInfo().filter((type) => type.startsWith('TCP')).length;
}
