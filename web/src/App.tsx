/**
 * The page: a new batch at `/`, a batch's live queue at `/batches/<id>` (a link that can be
 * shared or reloaded). Two routes do not need a router library: the History API will do.
 */
import { useEffect, useState } from 'react';
import { BatchPage } from './components/BatchPage.js';
import { NewBatch } from './components/NewBatch.js';

function batchIdOf(pathname: string): string | null {
  return /^\/batches\/(b_[A-Za-z0-9]+)\/?$/.exec(pathname)?.[1] ?? null;
}

export function navigate(path: string): void {
  window.history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function App() {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const onPop = () => setPath(window.location.pathname);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const batchId = batchIdOf(path);
  return (
    <>
      <header className="top">
        <a
          href="/"
          className="brand"
          onClick={(event) => {
            event.preventDefault();
            navigate('/');
          }}
        >
          filemill
        </a>
      </header>
      <main>{batchId ? <BatchPage id={batchId} key={batchId} /> : <NewBatch />}</main>
    </>
  );
}
