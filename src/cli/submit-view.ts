/**
 * What `filemill submit` shows while it works. On a terminal: live bars (cli-progress) for
 * the upload (bytes), the whole run (files done, failures, rate, ETA) and each file in
 * flight, with failures printed above them as they happen. Not on a terminal (a pipe, a CI
 * log): one plain line per step and per finished file, no bars, no colour. With `--json`:
 * nothing until the result.
 */
import { MultiBar, type Options, type Params, type SingleBar } from 'cli-progress';
import type { WireEvent } from './event-stream.js';
import { counted, formatBytes, formatDuration } from '../core/format.js';

export interface SubmitView {
  /** Batch `number` of `of` starts uploading `files` files of `bytes` bytes. */
  uploading(number: number, of: number, files: number, bytes: number): void;
  /** Bytes of the current batch sent so far. */
  uploadProgress(sent: number): void;
  accepted(id: string, files: number): void;
  event(event: WireEvent): void;
  /** A line to show now, above the bars if there are any. */
  note(line: string): void;
  stop(): void;
}

export type ViewMode = 'bars' | 'lines' | 'silent';

export function viewModeFor(stream: NodeJS.WriteStream, json: boolean | undefined): ViewMode {
  if (json) return 'silent';
  return stream.isTTY ? 'bars' : 'lines';
}

const FINAL_FILE_EVENTS = new Set(['file.succeeded', 'file.failed', 'file.cancelled']);

/** Files done across every batch of the run, from the counts each event carries. */
class RunTally {
  private readonly counts = new Map<string, Record<string, number>>();
  startedAt = 0;

  constructor(readonly totalFiles: number) {}

  update(event: WireEvent): void {
    this.counts.set(event.batchId, event.counts);
  }

  private sum(...keys: string[]): number {
    let n = 0;
    for (const counts of this.counts.values()) for (const key of keys) n += counts[key] ?? 0;
    return n;
  }

  get done(): number {
    return this.sum('succeeded', 'failed', 'cancelled');
  }

  get failed(): number {
    return this.sum('failed');
  }

  get cancelled(): number {
    return this.sum('cancelled');
  }

  /** Files per second since the first batch was accepted. */
  get rate(): number {
    const seconds = (Date.now() - this.startedAt) / 1000;
    return seconds > 0 ? this.done / seconds : 0;
  }
}

function describeFailure(event: WireEvent): string | null {
  const file = event.file;
  if (!file || !FINAL_FILE_EVENTS.has(event.type) || event.type === 'file.succeeded') return null;
  const reason = file.error ? `${file.error.code}: ${file.error.message}` : file.status;
  return `${file.status} ${file.name} — ${reason}`;
}

class SilentView implements SubmitView {
  uploading(): void {}
  uploadProgress(): void {}
  accepted(): void {}
  event(): void {}
  note(): void {}
  stop(): void {}
}

class LinesView implements SubmitView {
  private readonly tally: RunTally;

  constructor(
    private readonly out: NodeJS.WritableStream,
    totalFiles: number,
  ) {
    this.tally = new RunTally(totalFiles);
  }

  private write(line: string): void {
    this.out.write(`${line}\n`);
  }

  uploading(number: number, of: number, files: number, bytes: number): void {
    this.write(`uploading batch ${number}/${of}: ${counted(files, 'file')}, ${formatBytes(bytes)}`);
  }

  uploadProgress(): void {}

  accepted(id: string, files: number): void {
    if (this.tally.startedAt === 0) this.tally.startedAt = Date.now();
    this.write(`batch ${id} accepted: ${counted(files, 'file')}`);
  }

  event(event: WireEvent): void {
    this.tally.update(event);
    if (!event.file || !FINAL_FILE_EVENTS.has(event.type)) return;
    const position = `[${this.tally.done}/${this.tally.totalFiles}]`;
    this.write(`${position} ${describeFailure(event) ?? `succeeded ${event.file.name}`}`);
  }

  note(line: string): void {
    this.write(line);
  }

  stop(): void {}
}

/** At most this many per-file bars; more files in flight are counted on the overall bar. */
const MAX_FILE_BARS = 8;

class BarsView implements SubmitView {
  private readonly bars: MultiBar;
  private readonly tally: RunTally;
  private upload: SingleBar | null = null;
  private uploadedBefore = 0;
  private uploadBatch = { number: 0, of: 0, bytes: 0 };
  private uploadStartedAt = 0;
  private overall: SingleBar | null = null;
  private readonly files = new Map<string, SingleBar>();
  private stopped = false;

  constructor(
    stream: NodeJS.WriteStream,
    totalFiles: number,
    private readonly totalBytes: number,
  ) {
    this.tally = new RunTally(totalFiles);
    this.bars = new MultiBar({
      stream,
      hideCursor: true,
      clearOnComplete: false,
      autopadding: true,
      barsize: 24,
      fps: 10,
      format: (options: Options, params: Params, payload: { line: () => string }) =>
        `${this.bar(options, params)}  ${payload.line()}`,
    });
  }

  private bar(options: Options, params: Params): string {
    const size = options.barsize ?? 24;
    const full = Math.round(params.progress * size);
    return `${'█'.repeat(full)}${'░'.repeat(size - full)} ${String(Math.floor(params.progress * 100)).padStart(3)}%`;
  }

  uploading(number: number, of: number, _files: number, bytes: number): void {
    this.uploadBatch = { number, of, bytes };
    if (this.upload) return;
    this.uploadStartedAt = Date.now();
    this.upload = this.bars.create(this.totalBytes, 0, {
      line: () => {
        const sent = this.upload?.getProgress() ?? 0;
        const bytesSent = sent * this.totalBytes;
        const seconds = (Date.now() - this.uploadStartedAt) / 1000;
        const speed = seconds > 0 ? `${formatBytes(bytesSent / seconds)}/s` : '';
        const batch =
          this.uploadBatch.of > 1 ? ` batch ${this.uploadBatch.number}/${this.uploadBatch.of}` : '';
        return `upload${batch}: ${formatBytes(bytesSent)} of ${formatBytes(this.totalBytes)} · ${speed}`;
      },
    });
  }

  uploadProgress(sent: number): void {
    this.upload?.update(this.uploadedBefore + Math.min(sent, this.uploadBatch.bytes));
  }

  accepted(_id: string, _files: number): void {
    this.uploadedBefore += this.uploadBatch.bytes;
    this.upload?.update(this.uploadedBefore);
    if (this.uploadBatch.number === this.uploadBatch.of && this.upload) {
      this.bars.remove(this.upload);
      this.upload = null;
    }
    if (this.overall) return;
    this.tally.startedAt = Date.now();
    this.overall = this.bars.create(this.tally.totalFiles, 0, {
      line: () => {
        const { done, totalFiles, failed, cancelled, rate } = this.tally;
        const left =
          rate > 0 && done < totalFiles
            ? ` · about ${formatDuration(((totalFiles - done) / rate) * 1000)} left`
            : '';
        const failures =
          (failed > 0 ? ` · ${failed} failed` : '') + (cancelled > 0 ? ` · ${cancelled} cancelled` : '');
        const more = this.files.size >= MAX_FILE_BARS ? ' (more in flight)' : '';
        return `files ${done}/${totalFiles}${failures} · ${rate.toFixed(1)} files/s${left}${more}`;
      },
    });
  }

  event(event: WireEvent): void {
    this.tally.update(event);
    this.overall?.update(this.tally.done);
    const file = event.file;
    if (!file) return;
    const key = `${event.batchId}/${file.index}`;
    const bar = this.files.get(key);
    if (event.type === 'file.started' && !bar && this.files.size < MAX_FILE_BARS) {
      this.files.set(key, this.bars.create(100, file.progress, { line: () => `  ${file.name}` }));
    } else if (event.type === 'file.progress') {
      bar?.update(file.progress);
    } else if (bar && event.type !== 'file.started') {
      this.bars.remove(bar);
      this.files.delete(key);
    }
    const failure = describeFailure(event);
    if (failure) this.note(failure);
  }

  note(line: string): void {
    this.bars.log(`${line}\n`);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.bars.update();
    this.bars.stop();
  }
}

export function createSubmitView(
  mode: ViewMode,
  stream: NodeJS.WriteStream,
  totalFiles: number,
  totalBytes: number,
): SubmitView {
  if (mode === 'silent') return new SilentView();
  if (mode === 'lines') return new LinesView(stream, totalFiles);
  return new BarsView(stream, totalFiles, totalBytes);
}
