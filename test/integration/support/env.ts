/**
 * Registers the test processors (sleep, crash, copy, …). Imported first by the test server
 * support: the processor registry reads this variable once, when it is first imported.
 */
export const TEST_PROCESSORS = new URL('../../fixtures/test-processors.ts', import.meta.url).pathname;
process.env.FILEMILL_TEST_PROCESSORS = TEST_PROCESSORS;
