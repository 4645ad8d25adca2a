/**
 * The behaviour every `MetadataStore` adapter (and the `ApiKeyStore` it also is) must show,
 * as one suite that each adapter's test file runs unchanged (in the manner of
 * tus-node-server's shared store suites). The cases live in contract/, one file per concern;
 * this module puts them together.
 */
import { describe } from 'node:test';
import { describeBatches } from './contract/batches.js';
import { describeClaims } from './contract/claims.js';
import { describeControl } from './contract/control.js';
import { describeEventDelivery } from './contract/event-delivery.js';
import { describeEvents } from './contract/events.js';
import { describeIntake } from './contract/intake.js';
import { describeKeys } from './contract/keys.js';
import { describeLifecycle } from './contract/lifecycle.js';
import { describeRuns } from './contract/runs.js';
import type { StoreFactory } from './contract/fixtures.js';

export type { StoreFactory } from './contract/fixtures.js';

/**
 * Runs the suite against stores made by `factory`: each test gets a fresh, migrated store on
 * an empty database, and closes it when done.
 */
export function describeMetadataStore(name: string, factory: StoreFactory): void {
  describe(`MetadataStore contract: ${name}`, () => {
    describeBatches(factory);
    describeIntake(factory);
    describeRuns(factory);
    describeClaims(factory);
    describeLifecycle(factory);
    describeControl(factory);
    describeEvents(factory);
    describeEventDelivery(factory);
    describeKeys(factory);
  });
}
