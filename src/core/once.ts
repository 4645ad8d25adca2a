/**
 * `make`, run on the first call and its result kept: for work a module should not do when it
 * is imported (compiling a schema), because not every process that imports it needs it.
 */
export function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}
