/**
 * Reads a ZIP (from a buffer) into entry name → bytes, as a client unpacking results would,
 * checking each entry's CRC-32 against its bytes (yauzl itself does not).
 */
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';

export async function readZip(data: Buffer): Promise<Map<string, Buffer>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(data, { lazyEntries: true }, (error, z) => (error ? reject(error) : resolve(z))),
  );
  const entries = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (error, stream) => {
        if (error) return reject(error);
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const bytes = Buffer.concat(chunks);
          if (crc32(bytes) !== entry.crc32) return reject(new Error(`${entry.fileName}: CRC-32 mismatch`));
          entries.set(entry.fileName, bytes);
          zip.readEntry();
        });
        stream.on('error', reject);
      });
    });
    zip.on('end', () => resolve());
    zip.on('error', reject);
    zip.readEntry();
  });
  return entries;
}
