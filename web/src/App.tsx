/**
 * The page: a new batch at `/`, past batches at `/batches`, a batch's live queue and summary
 * at `/batches/<id>` (a link that can be shared or reloaded). Two routes do not need a router library: the History API will do.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { BatchPage } from './components/BatchPage.js';
import { History } from './components/History.js';
import { NewBatch } from './components/NewBatch.js';

function batchIdOf(pathname: string): string | null {
  return /^\/batches\/(b_[A-Za-z0-9]+)\/?$/.exec(pathname)?.[1] ?? null;
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
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  // After a move to another view, the focus goes to its content (as a page load would put
  // a screen reader there), not back to the top of the document.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [path]);
  useEffect(() => {
    const onPop = () => setPath(window.location.pathname);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const batchId = batchIdOf(path);
  return (
    <>
      <header className="top">
        <nav aria-label="Main">
          <span className="brand">filemill</span>
          <PageLink to="/">New batch</PageLink>
          <PageLink to="/batches">Past batches</PageLink>
        </nav>
      </header>
      <main ref={main} tabIndex={-1}>
        {batchId ? (
          <BatchPage id={batchId} key={batchId} />
        ) : path.replace(/\/$/, '') === '/batches' ? (
          <History />
        ) : (
          <NewBatch />
        )}
      </main>
    </>
  );
}
