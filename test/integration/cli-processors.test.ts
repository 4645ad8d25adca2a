/**
 * `filemill processors [name]`: the processors, and one processor's presets and settings with
 * their titles, keys, values, defaults and conditions, read from the same schema as the web
 * form; from this filemill, or from a server with --server. `submit --help` lists them too.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { filemill } from './support/cli.js';
import { startTestServer, type TestServer } from './support/server.js';

describe('filemill processors', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('lists the processors with their presets, the default marked', async () => {
    const { code, stdout } = await filemill(['processors']);
    assert.equal(code, 0);
    assert.match(stdout, /^image\s+Convert, resize and optimise images$/m);
    assert.match(stdout, /presets: web \(default\), thumbnail, archive; 10 settings/);
    assert.match(stdout, /^pdf-sanitize\s/m);
    assert.match(stdout, /^doc-analyze\s/m);
    assert.match(stdout, /filemill processors <name>/);
  });

  it('shows each setting of a processor: key, title, values, default, when it applies, what it does', async () => {
    const { code, stdout } = await filemill(['processors', 'pdf-sanitize']);
    assert.equal(code, 0);
    assert.match(stdout, /^ {2}rasterize-searchable\s+Rasterize, searchable/m);
    assert.match(
      stdout,
      /^ {2}dpi {2}Resolution \(DPI\)\n {6}a whole number between 72 and 300; default 150; only when mode is rasterize, or when mode is structural and onFailure is rasterize\n {6}Dots per inch/m,
    );
    assert.match(
      stdout,
      /^ {2}onFailure {2}When a file cannot be parsed\n {6}one of: fail, rasterize; default "fail"; only when mode is structural$/m,
    );
    assert.match(stdout, /^ {2}password {2}Password\n {6}text; never shown back$/m);
    const image = await filemill(['processors', 'image']);
    assert.match(
      image.stdout,
      /^ {2}withoutEnlargement {2}Never enlarge\n {6}yes or no \(true or false\); default true$/m,
    );
  });

  it('prints the schema as JSON for scripts, titles and conditions included', async () => {
    const { code, stdout } = await filemill(['processors', 'pdf-sanitize', '--json']);
    assert.equal(code, 0);
    const processor = JSON.parse(stdout);
    assert.equal(processor.name, 'pdf-sanitize');
    assert.equal(processor.settingsSchema.properties.maxPagePixels.title, 'Largest page (pixels)');
    assert.deepEqual(processor.settingsSchema.properties.links['x-applies-when'], { mode: ['structural'] });
  });

  it("reads a server's processors with --server, as GET /api/processors serves them", async () => {
    const { code, stdout } = await filemill(['processors', 'image', '--server', server.url]);
    assert.equal(code, 0, stdout);
    assert.match(
      stdout,
      /^ {2}quality {2}Quality\n {6}a whole number between 1 and 100; default 80; only when format is/m,
    );
    const unreachable = await filemill(['processors', '--server', 'http://127.0.0.1:1']);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /cannot reach the server at http:\/\/127\.0\.0\.1:1/);
  });

  it('names the processors there are when asked for one that is not', async () => {
    const { code, stdout, stderr } = await filemill(['processors', 'nope']);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(
      stderr,
      /^filemill: UNKNOWN_PROCESSOR: there is no processor "nope" \(there are: image, pdf-sanitize, doc-analyze/,
    );
  });

  it("lists the processors and presets in submit's help, and points to the settings", async () => {
    for (const args of [
      ['submit', '--help'],
      ['help', 'submit'],
      ['submit', 'photos', '-h'],
    ]) {
      const { code, stdout } = await filemill(args);
      assert.equal(code, 0, args.join(' '));
      assert.match(stdout, /^Usage: filemill submit/m);
      assert.match(
        stdout,
        /^image\s+Convert, resize and optimise images\n\s+presets: web \(default\), thumbnail, archive/m,
      );
      assert.match(stdout, /^pdf-sanitize\s.*\n\s+presets: disarm \(default\)/m);
      assert.match(stdout, /^A processor's presets and settings: filemill processors <name>$/m);
    }
  });
});
