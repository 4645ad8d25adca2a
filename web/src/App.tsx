/**
 * The page: a new batch at `/`, past batches at `/batches`, a batch's live queue and summary
 * at `/batches/<id>` (a link that can be shared or reloaded). Two routes do not need a router library: the History API will do.
 * When the server wants a key (a 401), the sign-in takes the place of the view; a batch
 * opened from its share link is shown read-only, with none of the other views' links.
 */
import { useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { BatchPage } from './components/BatchPage.js';
import { History } from './components/History.js';
import { NewBatch } from './components/NewBatch.js';
import { NotFound } from './components/NotFound.js';
import { SignIn } from './components/SignIn.js';
import { apiKey, BATCH_PATH, sharedToken, signInState, signOut } from './credentials.js';

function batchIdOf(pathname: string): string | null {
  return BATCH_PATH.exec(pathname)?.[1] ?? null;
}

/** A batch id as the server makes them (src/http/schemas.ts): any other is no batch. */
const BATCH_ID = /^b_[a-z0-9]{20,40}$/;

/** What an address shows: the page's three views, or nothing there (a batch, or a page). */
export type Route =
  | { view: 'new' }
  | { view: 'history' }
  | { view: 'batch'; id: string }
  | { view: 'missing'; what: 'batch' | 'page' };

export function routeOf(pathname: string): Route {
  const path = pathname.replace(/\/$/, '');
  if (path === '') return { view: 'new' };
  if (path === '/batches') return { view: 'history' };
  const id = batchIdOf(pathname);
  if (id !== null && BATCH_ID.test(id)) return { view: 'batch', id };
  return { view: 'missing', what: path.startsWith('/batches/') ? 'batch' : 'page' };
}

export function navigate(path: string): void {
  window.history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/** A link inside the page: followed without a reload. */
export function PageLink({ to, children }: { to: string; children: ReactNode }) {
  return (
    <a
      href={to}
      onClick={(event) => {
        event.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

export function App() {
  const [path, setPath] = useState(window.location.pathname);
  const signIn = useSyncExternalStore(signInState.subscribe, signInState.get);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  // After a move to another view, the focus goes to its content (as a page load would put
  // a screen reader there), not back to the top of the document.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    // The sign-in puts the focus in its key field itself.
    if (signIn === null) main.current?.focus();
  }, [path, signIn]);
  useEffect(() => {
    const onPop = () => setPath(window.location.pathname);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const route = routeOf(path);
  const batchId = route.view === 'batch' ? route.id : null;
  const shared = batchId !== null && sharedToken(batchId) !== null;
  const asking = signIn !== null && !shared;
  return (
    <>
      <header className="top">
        <nav aria-label="Main">
          <span className="brand">filemill</span>
          {shared ? (
            <strong className="badge">Shared view — read only</strong>
          ) : (
            !asking && (
              <>
                <PageLink to="/">New batch</PageLink>
                <PageLink to="/batches">Past batches</PageLink>
              </>
            )
          )}
        </nav>
        {!asking && apiKey() !== null && (
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        )}
      </header>
      <main ref={main} tabIndex={-1}>
        {asking ? (
          <SignIn reason={signIn} />
        ) : route.view === 'batch' ? (
          <BatchPage id={route.id} key={route.id} readOnly={shared} />
        ) : route.view === 'history' ? (
          <History />
        ) : route.view === 'missing' ? (
          <NotFound what={route.what} />
        ) : (
          <NewBatch />
        )}
      </main>
    </>
  );
}
