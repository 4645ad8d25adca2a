import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { adoptShareLink } from './credentials.js';
import './styles.css';
import './settings-form.css';
import './batch-page.css';
import './new-batch.css';

// Before anything is fetched: a share link's token leaves the address bar for this tab's storage.
adoptShareLink(window.location, window.history);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
