/**
 * Route schemas compiled when a route first needs them, not at start-up. Fastify compiles
 * every route's validators (Ajv) and response serializers (fast-json-stringify) as the app
 * gets ready: ~200 ms of CPU, most of it for routes a process may never serve — the engine
 * inside `filemill submit` answers five. These are Fastify's own compilers with the app's
 * own options; only the moment changes: a route's first request pays its compilation (a few
 * ms), and a schema Ajv refuses fails that route's requests instead of the start (the tests
 * reach every route). One difference in kind: Fastify lower-cases the keys of a `headers`
 * schema only for its default compilers, so a header schema here names headers in lower case.
 */
import AjvCompiler from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';
import { once } from '../core/once.js';

type CompilersFactory = NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>;

/** What both builders have in common: schemas and options in, a compiler per route out. */
type Builder<Route, Compiled> = (externalSchemas: never, options: never) => (route: Route) => Compiled;

/**
 * `build`, with the compiler made on the first route that needs one and each route's
 * function compiled on its first call; `wrap` turns that deferred function into one with the
 * same signature.
 */
function deferred<Route, Compiled>(
  build: Builder<Route, Compiled>,
  wrap: (compiled: () => Compiled) => Compiled,
): Builder<Route, Compiled> {
  return (externalSchemas, options) => {
    const compiler = once(() => build(externalSchemas, options));
    return (route) => wrap(once(() => compiler()(route)));
  };
}

/** An Ajv validator; Fastify reads the problems from its `errors` after a call that failed. */
interface Validate {
  (data: unknown): unknown;
  errors?: unknown;
}

function lazyValidate(compiled: () => Validate): Validate {
  const validate: Validate = (data) => {
    const real = compiled();
    const result = real(data);
    validate.errors = real.errors;
    return result;
  };
  return validate;
}

function lazySerialize(compiled: () => (doc: unknown) => string): (doc: unknown) => string {
  return (doc) => compiled()(doc);
}

/** The `schemaController.compilersFactory` of an app that compiles on first use. */
export function lazyCompilers(): CompilersFactory {
  return {
    buildValidator: deferred(
      AjvCompiler() as unknown as Builder<unknown, Validate>,
      lazyValidate,
    ) as unknown as CompilersFactory['buildValidator'],
    buildSerializer: deferred(
      SerializerSelector() as unknown as Builder<unknown, (doc: unknown) => string>,
      lazySerialize,
    ) as unknown as CompilersFactory['buildSerializer'],
  };
}
