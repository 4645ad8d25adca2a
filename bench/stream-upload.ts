/**
 * A multipart upload of many large files written straight to the socket from one reused
 * buffer, so the client holds a few MiB however large the batch.
 */
import { request } from 'node:http';

export async function streamBatch(
  url: string,
  opts: { files: number; bytesPerFile: number; processor: string },
): Promise<{ status: number; body: string }> {
  const boundary = `----filemill${Date.now()}`;
  const field = `--${boundary}\r\nContent-Disposition: form-data; name="processor"\r\n\r\n${opts.processor}\r\n`;
  const head = (i: number) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="big/${i}.bin"\r\n` +
    'Content-Type: application/octet-stream\r\n\r\n';
  const tail = `--${boundary}--\r\n`;
  let length = Buffer.byteLength(field) + Buffer.byteLength(tail);
  for (let i = 0; i < opts.files; i++) length += Buffer.byteLength(head(i)) + opts.bytesPerFile + 2;

  const chunk = Buffer.alloc(1024 * 1024, 0x5a);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': length },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    const write = (data: Buffer | string) =>
      req.write(data) ? Promise.resolve() : new Promise<void>((r) => req.once('drain', () => r()));
    (async () => {
      await write(field);
      for (let i = 0; i < opts.files; i++) {
        await write(head(i));
        for (let left = opts.bytesPerFile; left > 0; left -= chunk.length) {
          await write(left >= chunk.length ? chunk : chunk.subarray(0, left));
        }
        await write('\r\n');
      }
      req.end(tail);
    })().catch(reject);
  });
}
