/** Settings the document processors share, declared once so they mean the same in each. */
import Type from 'typebox';

/** The page limit of a document: more pages fail with TOO_MANY_PAGES before any work. */
export const maxPagesSetting = () =>
  Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 100_000,
      default: 1000,
      description: 'More pages fail with TOO_MANY_PAGES.',
    }),
  );
