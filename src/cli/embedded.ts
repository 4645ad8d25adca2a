/**
 * The engine inside the CLI process, for `filemill submit` without a server: the same
 * server code (its REST API only) on a random loopback port, with a temporary data folder
 * removed at the end.
 * FILEMILL_* variables still apply (concurrency, limits, sandbox), except where the data
 * lives, where it listens, and the rate limit of requests (none).
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliConfig } from './config.js';

export interface EmbeddedEngine {
  url: string;
  close(): Promise<void>;
  /** For an exit that cannot wait: removes the data folder at once. */
  removeDataNow(): void;
}

export async function startEmbeddedEngine(): Promise<EmbeddedEngine> {
  const dataDir = await mkdtemp(join(tmpdir(), 'filemill-'));
  try {
    const config = await cliConfig({
      dataDir,
      databaseUrl: '',
      host: '127.0.0.1',
      port: 0,
      logLevel: 'silent',
      // Its only client is this command, which asks for each output as its file succeeds.
      rateLimit: 0,
    });
    // Loaded on demand: a command against a server never needs the engine's modules.
    const { startFilemill } = await import('../server.js');
    // Its only client is this process: nothing to wait for when it closes, and no web page,
    // WebSocket or OpenAPI document to serve. Its workers start while the files upload.
    const filemill = await startFilemill(config, {
      closeGraceMs: 0,
      restOnly: true,
      workers: 'starting',
      reserveSpace: false,
    });
    return {
      url: filemill.url,
      async close() {
        try {
          await filemill.close();
        } finally {
          await rm(dataDir, { recursive: true, force: true });
        }
      },
      removeDataNow: () => rmSync(dataDir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
