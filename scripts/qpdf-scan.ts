/**
 * An outsider's scan of a PDF for what acts on open or reaches outside the file, written
 * apart from pdf-sanitize's own rules (it shares no code with them): qpdf — another parser,
 * in C++ — dumps every object, those inside object streams included, as JSON (v2, stream
 * data decoded and inline), and this walks all of it.
 *
 * It reports: any action other than a jump inside the document (web links and page turns
 * only where `allowWebLinks` and only behind a click, never on open), scripts and
 * additional actions anywhere, attached files, a catalog base URI, stream data fetched from
 * elsewhere (`/F` on a stream, reference XObjects), font matrices that are not six numbers,
 * and XML that declares a DTD or entities.
 */
import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Dict = { [key: string]: Json };

const ACTIONS = new Set([
  '/GoTo',
  '/GoToR',
  '/GoToE',
  '/GoToDp',
  '/Launch',
  '/Thread',
  '/URI',
  '/Sound',
  '/Movie',
  '/Hide',
  '/Named',
  '/SubmitForm',
  '/ResetForm',
  '/ImportData',
  '/JavaScript',
  '/SetOCGState',
  '/Rendition',
  '/Trans',
  '/GoTo3DView',
  '/RichMediaExecute',
]);
const PAGE_TURNS = new Set(['/NextPage', '/PrevPage', '/FirstPage', '/LastPage']);
const EVERYWHERE = ['/JS', '/JavaScript', '/AA', '/EmbeddedFiles', '/EF', '/AF', '/XFA', '/RichMediaContent'];

const isDict = (value: Json | undefined): value is Dict =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export async function scanWithQpdf(path: string, options: { allowWebLinks: boolean }): Promise<string[]> {
  const { stdout } = await run(
    'qpdf',
    ['--json=2', '--json-stream-data=inline', '--decode-level=generalized', path],
    { maxBuffer: 1024 * 1024 * 1024 },
  ).catch((error: { code?: number; stdout?: string }) => {
    // 3: warnings (a repaired file); the JSON is still written.
    if (error.code === 3 && error.stdout) return { stdout: error.stdout };
    throw error;
  });
  const objects = (JSON.parse(stdout) as { qpdf: [unknown, Record<string, Json>] }).qpdf[1];
  const trailer = objects.trailer as { value: Dict };
  const catalogRef = String(trailer.value['/Root']);
  const problems: string[] = [];
  const openActions = new Set<Json>();

  const catalog = objects[`obj:${catalogRef}`] as { value: Dict } | undefined;
  if (catalog) {
    if ('/URI' in catalog.value) problems.push('a base /URI in the catalog');
    const open = catalog.value['/OpenAction'];
    if (open !== undefined) openActions.add(open);
  }

  for (const [key, entry] of Object.entries(objects)) {
    if (!key.startsWith('obj:') || !isDict(entry)) continue;
    const stream = isDict(entry.stream) ? entry.stream : null;
    const top = stream ? stream.dict : entry.value;
    const where = key.slice(4);
    const stack: Json[] = [top ?? null];
    while (stack.length > 0) {
      const value = stack.pop()!;
      if (Array.isArray(value)) {
        stack.push(...value);
        continue;
      }
      if (!isDict(value)) continue;
      for (const name of EVERYWHERE) if (name in value) problems.push(`${name} in ${where}`);
      const type = value['/S'];
      if (typeof type === 'string' && ACTIONS.has(type) && value['/Type'] !== '/StructElem') {
        // Behind a click; what runs on open is judged below.
        const allowed =
          type === '/GoTo' ||
          (options.allowWebLinks && type === '/URI') ||
          (type === '/Named' && PAGE_TURNS.has(String(value['/N'])));
        if (!allowed) problems.push(`${type} action in ${where}`);
      }
      if ('/FontMatrix' in value) {
        const matrix = value['/FontMatrix'];
        if (!Array.isArray(matrix) || matrix.length !== 6 || !matrix.every((n) => typeof n === 'number'))
          problems.push(`a /FontMatrix that is not six numbers in ${where}`);
      }
      for (const child of Object.values(value)) stack.push(child);
    }
    if (stream && isDict(stream.dict)) {
      for (const external of ['/F', '/FFilter', '/Ref', '/OPI'])
        if (external in stream.dict) problems.push(`${external} on the stream ${where}`);
      if (typeof stream.data === 'string') {
        const text = Buffer.from(stream.data, 'base64').toString('latin1').replace(/\0/g, '');
        if (/<!\s*(DOCTYPE|ENTITY)/i.test(text) && /<\?xml|<x:xmpmeta|<rdf:/i.test(text))
          problems.push(`XML with a DTD in ${where}`);
      }
    }
  }
  // An open action is reported as such wherever its dictionary sits (inline or referenced).
  for (const open of openActions) {
    const action = typeof open === 'string' ? (objects[`obj:${open}`] as { value?: Json })?.value : open;
    let step: Json | undefined = action;
    for (let depth = 0; isDict(step) && depth < 32; depth++) {
      if (step['/S'] !== undefined && step['/S'] !== '/GoTo') problems.push(`${String(step['/S'])} on open`);
      const next: Json | undefined = step['/Next'];
      step = typeof next === 'string' ? (objects[`obj:${next}`] as { value?: Json })?.value : next;
    }
  }
  return problems;
}

/**
 * `node --import tsx scripts/qpdf-scan.ts [--web-links] <file or folder>…`: scans every PDF
 * named (folders recursively) and prints what it finds, one line per problem; exits 1 if any.
 */
async function main(args: string[]): Promise<number> {
  const allowWebLinks = args.includes('--web-links');
  const paths = args.filter((arg) => arg !== '--web-links');
  const files: string[] = [];
  for (const path of paths) {
    if ((await stat(path)).isDirectory()) {
      for (const entry of await readdir(path, { recursive: true, withFileTypes: true }))
        if (entry.isFile() && /\.pdf$/i.test(entry.name)) files.push(join(entry.parentPath, entry.name));
    } else files.push(path);
  }
  let dirty = 0;
  for (const file of files.sort()) {
    const problems = await scanWithQpdf(file, { allowWebLinks }).catch((error: Error) => [
      `qpdf could not read it: ${error.message.split('\n')[0]}`,
    ]);
    if (problems.length > 0) dirty++;
    for (const problem of problems) console.log(`${file}: ${problem}`);
  }
  console.log(`${files.length} PDFs scanned, ${dirty} with findings`);
  return dirty > 0 ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
  process.exitCode = await main(process.argv.slice(2));
