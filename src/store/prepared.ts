/**
 * Queries of the per-file path (claim, completion, counters, events), built and compiled once
 * and then run with new values. Building a Kysely query and compiling it to SQL cost about
 * half a millisecond of the server's CPU per file, with the same few queries for every file
 * (`npm run bench overhead`). A query is written as usual, with placeholders where its values
 * go; compiled on its first run, then each run only fills in the parameter list.
 */
import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Stands for one argument while a query is compiled: found again in the compiled parameters. */
class Slot {
  constructor(readonly name: string) {}
}

interface Template {
  query: CompiledQuery;
  /** The compiled parameters: a Slot where an argument goes, else a value the query fixed. */
  values: readonly unknown[];
}

/**
 * Compiled queries by the database's adapter class (the SQL differs between SQLite and
 * PostgreSQL, not between two stores of one kind), then by key.
 */
const templates = new WeakMap<object, Map<string, Template>>();

/**
 * Runs the query that `build` makes, compiled once per `key` and kind of database; resolves
 * with its rows. `build` is given placeholders for `args`, not their values: it must pass them
 * to the query as they are, never look at them (a query whose shape depends on a value needs
 * that value in its `key` instead). Everything else `build` reads must be fixed by `key`.
 */
export async function runPrepared<A extends object, R>(
  db: Kysely<Database>,
  key: string,
  build: (db: Kysely<Database>, args: A) => Compilable<R>,
  args: NoInfer<A>,
): Promise<R[]> {
  const adapter = db.getExecutor().adapter.constructor;
  let byKey = templates.get(adapter);
  if (byKey === undefined) templates.set(adapter, (byKey = new Map()));
  let template = byKey.get(key);
  if (template === undefined) byKey.set(key, (template = compile(db, build, Object.keys(args))));
  const values = args as Record<string, unknown>;
  const parameters = template.values.map((value) => (value instanceof Slot ? values[value.name] : value));
  const result = await db.executeQuery<R>({ ...template.query, parameters });
  return result.rows;
}

function compile<A extends object, R>(
  db: Kysely<Database>,
  build: (db: Kysely<Database>, args: A) => Compilable<R>,
  names: string[],
): Template {
  const slots = Object.fromEntries(names.map((name) => [name, new Slot(name)])) as unknown as A;
  const query = build(db, slots).compile();
  const used = new Set(query.parameters.flatMap((value) => (value instanceof Slot ? [value.name] : [])));
  // A placeholder the SQL does not carry as a parameter was looked at or inlined by `build`:
  // the compiled query would run with the first call's shape for every later one.
  const lost = names.filter((name) => !used.has(name));
  if (lost.length > 0) throw new Error(`prepared query: ${lost.join(', ')} not passed as parameters`);
  return { query, values: query.parameters };
}

/**
 * The plain values of an update's `values`, without its expressions (functions of the
 * expression builder): the arguments of a prepared update that sets them.
 */
export function plainValues<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => typeof value !== 'function'),
  ) as Partial<T>;
}

/** In a prepared update's `build`: the placeholders of `values`' plain values, taken from `args`. */
export function valuesFrom<T extends object>(args: object, values: T): Partial<T> {
  const slots = args as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(plainValues(values)).map((name) => [name, slots[name]]),
  ) as Partial<T>;
}
