/**
 * Nodes of a scaled-out filemill for the scale bench: a fresh PostgreSQL database and Redis
 * prefix, an API node (`serve --concurrency 0`) and worker nodes (`worker`), all from the
 * build, sharing one data folder.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase } from '../test/integration/support/nodes.js';
import { spawnFilemill, stopProcess } from './server-process.js';

const REDIS_URL = process.env.FILEMILL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface Cluster {
  url: string;
  stop(): Promise<void>;
}

/** An API node and `workers` worker nodes of `processes` worker processes each. */
export async function startCluster(workers: number, processes: number): Promise<Cluster> {
  const database = await createDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'filemill-bench-nodes-'));
  const env = {
    FILEMILL_QUEUE: 'bullmq',
    FILEMILL_REDIS_URL: REDIS_URL,
    FILEMILL_REDIS_PREFIX: `fmbench${randomBytes(4).toString('hex')}`,
    FILEMILL_DATABASE_URL: database.url.toString(),
    FILEMILL_DATA_DIR: dataDir,
    FILEMILL_MAX_FILES: '1000',
  };
  const api = await spawnFilemill(['serve', '--port', '0', '--concurrency', '0'], {
    ...env,
    FILEMILL_NODE_ID: 'api',
  });
  const nodes = [api];
  for (let i = 0; i < workers; i++) {
    nodes.push(
      await spawnFilemill(['worker', '--concurrency', String(processes)], {
        ...env,
        FILEMILL_NODE_ID: `w${i}`,
      }),
    );
  }
  return {
    url: api.url,
    async stop() {
      await Promise.all(nodes.map(({ child }) => stopProcess(child)));
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
