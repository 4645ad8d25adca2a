/** Runs the EventBus behaviour suite on the in-process bus. */
import { LocalEventBus } from '../../src/events/local/local-event-bus.js';
import { describeEventBus } from './event-bus.contract.js';

describeEventBus('local', () => new LocalEventBus(), { crossInstance: false });
