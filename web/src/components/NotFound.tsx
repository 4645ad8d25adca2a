/**
 * What the page shows for an address it has nothing at: a batch that does not exist (never
 * did, was deleted, or an id mistyped in the link), or a path that is no page. It says so in
 * words and offers the two places a person goes from there, instead of the API's error text.
 */
import { PageLink } from '../App.js';

export function NotFound({ what }: { what: 'batch' | 'page' }) {
  return (
    <section className="not-found" aria-labelledby="not-found-title">
      <h1 id="not-found-title">{what === 'batch' ? 'No such batch' : 'No such page'}</h1>
      <p>
        {what === 'batch'
          ? 'This batch does not exist: it was deleted, or the link is mistyped or cut short.'
          : 'There is nothing at this address.'}
      </p>
      <ul className="not-found-links">
        <li>
          <PageLink to="/">Start a new batch</PageLink>
        </li>
        <li>
          <PageLink to="/batches">See past batches</PageLink>
        </li>
      </ul>
    </section>
  );
}
