/**
 * What the page keeps and sends (web/src/credentials.ts): a share link's token moves from the
 * address into this tab's storage, a batch's calls prefer it over the key, a 401 asks for a
 * key (dropping the one refused), and signing out forgets everything.
 */
import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  adoptShareLink,
  apiKey,
  credentialFor,
  ownToken,
  rememberOwnToken,
  sharedToken,
  signIn,
  signInState,
  signOut,
  unauthorized,
} from '../src/credentials.js';
import { keyProblem } from '../src/components/SignIn.js';
import { fileNameOf } from '../src/components/Download.js';
import { shareUrl } from '../src/components/ShareLink.js';

/** sessionStorage as a browser has it, in memory. */
class MemoryStorage {
  #items = new Map<string, string>();
  get length() {
    return this.#items.size;
  }
  key = (i: number) => [...this.#items.keys()][i] ?? null;
  getItem = (name: string) => this.#items.get(name) ?? null;
  setItem = (name: string, value: string) => void this.#items.set(name, String(value));
  removeItem = (name: string) => void this.#items.delete(name);
  clear = () => this.#items.clear();
}

function history() {
  const urls: string[] = [];
  return {
    urls,
    state: null,
    replaceState: (_state: unknown, _title: string, url?: string | URL | null) => void urls.push(String(url)),
  };
}

const ID = 'b_01ABCdef';

let storage: MemoryStorage;
beforeEach(() => {
  storage = new MemoryStorage();
  Object.defineProperty(globalThis, 'sessionStorage', { value: storage, configurable: true });
  signIn('fm_start'); // the module's sign-in state back to "none asked"
  storage.clear();
});

describe('a share link opened in the page', () => {
  it('keeps the token for its batch and takes it out of the address, keeping the rest', () => {
    const h = history();
    const id = adoptShareLink({ pathname: `/batches/${ID}`, search: '?token=t%2Bok&view=x', hash: '#f' }, h);
    assert.equal(id, ID);
    assert.equal(sharedToken(ID), 't+ok');
    assert.deepEqual(h.urls, [`/batches/${ID}?view=x#f`]);
  });

  it('leaves any other address alone', () => {
    const h = history();
    assert.equal(adoptShareLink({ pathname: '/batches', search: '?token=t', hash: '' }, h), null);
    assert.equal(adoptShareLink({ pathname: `/batches/${ID}`, search: '', hash: '' }, h), null);
    assert.deepEqual(h.urls, []);
  });

  it('sends the share token for that batch, before any key, and the key for everything else', () => {
    signIn('fm_key');
    adoptShareLink({ pathname: `/batches/${ID}`, search: '?token=tok', hash: '' }, history());
    assert.equal(credentialFor(ID), 'tok');
    assert.equal(credentialFor('b_other'), 'fm_key');
    assert.equal(credentialFor(), 'fm_key');
  });
});

describe('the sign-in state', () => {
  it('asks for a key after a 401 sent without one', () => {
    assert.equal(signInState.get(), null);
    unauthorized(null);
    assert.equal(signInState.get(), 'missing');
  });

  it('drops a key the server refused, and says so', () => {
    signIn('fm_revoked');
    unauthorized('fm_revoked');
    assert.equal(signInState.get(), 'refused');
    assert.equal(apiKey(), null);
    signIn('fm_new');
    assert.equal(signInState.get(), null);
    assert.equal(apiKey(), 'fm_new');
  });

  it('forgets the key and every token on sign-out', () => {
    signIn('fm_key');
    rememberOwnToken(ID, 'own');
    adoptShareLink({ pathname: '/batches/b_x', search: '?token=s', hash: '' }, history());
    storage.setItem('unrelated', 'kept');
    signOut();
    assert.equal(signInState.get(), 'signed-out');
    assert.deepEqual([apiKey(), ownToken(ID), sharedToken('b_x')], [null, null, null]);
    assert.equal(storage.getItem('unrelated'), 'kept');
  });
});

describe('the pieces around it', () => {
  it('checks a pasted key before sending it', () => {
    assert.equal(keyProblem('fm_abc-DEF_1'), null);
    assert.match(keyProblem('')!, /Paste/);
    assert.match(keyProblem('tok123')!, /starts with fm_/);
    assert.match(keyProblem('fm_a b')!, /no spaces/);
  });

  it('builds the share link and reads a download name from Content-Disposition', () => {
    assert.equal(shareUrl('http://h:8080', ID, 'a+b/c'), `http://h:8080/batches/${ID}?token=a%2Bb%2Fc`);
    assert.equal(
      fileNameOf(`attachment; filename="r_sum_.csv"; filename*=UTF-8''r%C3%A9sum%C3%A9.csv`),
      'résumé.csv',
    );
    assert.equal(fileNameOf('attachment; filename="b_1.zip"'), 'b_1.zip');
    assert.equal(fileNameOf(null), null);
  });
});
