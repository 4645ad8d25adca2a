/**
 * A new batch: drop files or folders (or pick them), see what will be sent and what was left
 * out and why, choose a processor and preset, and upload with a byte progress bar.
 */
import { useEffect, useMemo, useRef, useState, type ChangeEvent, type DragEvent } from 'react';
import { formatBytes } from '../../../src/core/format.js';
import { api, ApiError, type Limits, type ProcessorInfo } from '../api.js';
import { navigate } from '../App.js';
import { acceptedNames, pickerAccept } from '../extensions.js';
import {
  fromDataTransfer,
  fromFileList,
  select,
  type Candidate,
  type Selection,
  type Skipped,
} from '../selection.js';
import { describeSettings, fieldsOf, settingsErrors } from '../settings.js';
import { uploadBatch } from '../upload.js';
import { ActionBar } from './ActionBar.js';
import { ChosenFiles } from './ChosenFiles.js';
import { SettingsForm } from './SettingsForm.js';

interface Setup {
  processors: ProcessorInfo[];
  limits: Limits;
}

export function NewBatch() {
  const [setup, setSetup] = useState<Setup | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [processorName, setProcessorName] = useState('image');
  const [preset, setPreset] = useState('');
  // The person's settings on top of the preset; emptied when the processor or preset changes.
  const [changes, setChanges] = useState<Record<string, unknown>>({});
  const [files, setFiles] = useState<Candidate[]>([]);
  const [skipped, setSkipped] = useState<Skipped[]>([]);
  const [dragging, setDragging] = useState(false);
  const [upload, setUpload] = useState<{ sent: number; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Files are compared by content before they are listed, which takes a moment: how many wait.
  const [checking, setChecking] = useState(0);
  const abort = useRef<AbortController | null>(null);
  // The list as the last change left it, and the changes in the order they were asked for: a
  // second drop while the first is being checked is added to the first's result, not lost.
  const chosen = useRef<Candidate[]>([]);
  const pending = useRef<Promise<void>>(Promise.resolve());

  useEffect(() => {
    Promise.all([api.processors(), api.limits()]).then(
      ([processors, limits]) => {
        setSetup({ processors, limits });
        const first = processors.find((p) => p.name === 'image') ?? processors[0];
        if (first) {
          setProcessorName(first.name);
          setPreset(first.defaultPreset);
        }
      },
      (e: unknown) => setLoadError(e instanceof ApiError ? e.message : String(e)),
    );
  }, []);

  const processor = setup?.processors.find((p) => p.name === processorName) ?? null;
  const totalBytes = useMemo(() => files.reduce((sum, c) => sum + c.file.size, 0), [files]);
  // One object per preset, so the settings are not checked again on every render (the
  // upload's progress renders many times a second).
  const presetSettings = useMemo(
    () => processor?.presets.find((p) => p.name === preset)?.settings ?? {},
    [processor, preset],
  );
  const settingsProblems = useMemo(
    () => (processor ? settingsErrors(processor.settingsSchema, { ...presetSettings, ...changes }) : {}),
    [processor, presetSettings, changes],
  );
  const settingsValid = Object.keys(settingsProblems).length === 0;
  // Passwords are shown as "set", never spelled out.
  const secrets = useMemo(
    () =>
      processor
        ? fieldsOf(processor.settingsSchema)
            .filter((f) => f.kind === 'secret')
            .map((f) => f.name)
        : [],
    [processor],
  );

  /**
   * Changes the list by `run`, after the changes asked for before it; `waiting` files are
   * said to be compared meanwhile. `fresh`: its files left out replace those listed so far.
   */
  const change = (waiting: number, run: (current: Candidate[]) => Promise<Selection>, fresh = false) => {
    setChecking((n) => n + waiting);
    pending.current = pending.current.then(async () => {
      try {
        const result = await run(chosen.current);
        chosen.current = result.files;
        setFiles(result.files);
        setSkipped((before) => (fresh ? result.skipped : [...before, ...result.skipped]));
      } catch (e) {
        setError(`The files could not be read: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        setChecking((n) => n - waiting);
      }
    });
  };

  const add = (incoming: Candidate[]) => {
    if (!setup || !processor || incoming.length === 0) return;
    const { accepts } = processor;
    change(incoming.length, (current) => select(current, incoming, accepts, setup.limits));
  };

  const remove = (file: Candidate) =>
    change(0, async (current) => ({ files: current.filter((f) => f !== file), skipped: [] }));

  const onPick = (event: ChangeEvent<HTMLInputElement>) => {
    add(fromFileList(event.target.files ?? []));
    // Picking the same files again must fire again.
    event.target.value = '';
  };

  const onDrop = async (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    add(await fromDataTransfer(event.dataTransfer.items));
  };

  const start = async () => {
    if (!processor || files.length === 0) return;
    setError(null);
    abort.current = new AbortController();
    try {
      setUpload({ sent: 0, total: totalBytes });
      const accepted = await uploadBatch(
        files,
        {
          processor: processor.name,
          preset,
          settings: Object.keys(changes).length > 0 ? changes : undefined,
        },
        (sent, total) => setUpload({ sent, total }),
        abort.current.signal,
      );
      navigate(`/batches/${accepted.id}`);
    } catch (e) {
      setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e));
      setUpload(null);
    }
  };

  if (loadError) return <p role="alert">The server cannot be reached: {loadError}</p>;
  if (!setup || !processor) return <p aria-busy="true">Loading…</p>;

  return (
    <section aria-labelledby="new-title">
      <h1 id="new-title">Process a folder of files</h1>

      <div className="choose">
        <label>
          Processor{' '}
          <select
            value={processorName}
            onChange={(e) => {
              const next = setup.processors.find((p) => p.name === e.target.value)!;
              setProcessorName(next.name);
              setPreset(next.defaultPreset);
              setChanges({});
              // What fits depends on the processor: filter the list again.
              change(0, (current) => select([], current, next.accepts, setup.limits), true);
            }}
          >
            {setup.processors.map((p) => (
              <option key={p.name} value={p.name}>
                {p.title}
              </option>
            ))}
          </select>
        </label>
        <label>
          Preset{' '}
          <select
            value={preset}
            onChange={(e) => {
              setPreset(e.target.value);
              setChanges({});
            }}
          >
            {processor.presets.map((p) => (
              <option key={p.name} value={p.name}>
                {p.title}
              </option>
            ))}
          </select>
        </label>
      </div>

      <details className="settings-box">
        <summary>Settings: {describeSettings(preset, changes, secrets)}</summary>
        <SettingsForm
          processor={processor}
          presetSettings={presetSettings}
          changes={changes}
          errors={settingsProblems}
          onChange={setChanges}
        />
      </details>

      <div
        className={`drop${dragging ? ' dragging' : ''}`}
        role="region"
        aria-label="Drop files or folders here"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <p>Drop files or whole folders here, or</p>
        <label className="button">
          Choose files
          <input
            type="file"
            multiple
            className="visually-hidden"
            accept={pickerAccept(processor.accepts) || undefined}
            onChange={onPick}
          />
        </label>
        <label className="button">
          Choose a folder
          <input
            type="file"
            className="visually-hidden"
            data-testid="folder-input"
            {...{ webkitdirectory: '', directory: '' }}
            onChange={onPick}
          />
        </label>
        <p className="hint">
          Up to {setup.limits.maxFiles} files, {formatBytes(setup.limits.maxFileBytes)} each,{' '}
          {formatBytes(setup.limits.maxBatchBytes)} in all.
        </p>
        <p className="hint accepted">
          Accepted: <span data-testid="accepted">{acceptedNames(processor.accepts).join(' ')}</span>
        </p>
      </div>

      {/* Always in the page: a live region is announced only when it changes, not when it appears. */}
      <p className="hint" aria-live="polite">
        {checking > 0 && `Comparing ${checking} ${checking === 1 ? 'file' : 'files'} with the list…`}
      </p>

      {files.length > 0 && (
        <ChosenFiles files={files} totalBytes={totalBytes} locked={upload !== null} onRemove={remove} />
      )}

      {skipped.length > 0 && (
        <details className="skipped" open>
          <summary>
            {skipped.length} {skipped.length === 1 ? 'file' : 'files'} left out
          </summary>
          <ul aria-label="Files left out">
            {skipped.map((s, i) => (
              <li key={`${s.path}-${i}`}>
                {s.path}: {s.reason}
              </li>
            ))}
          </ul>
        </details>
      )}

      {error && <p role="alert">{error}</p>}

      <ActionBar
        count={files.length}
        bytes={totalBytes}
        plan={`${processor.title} · ${describeSettings(preset, changes, secrets)}`}
        blocked={settingsValid ? null : 'Fix the settings first.'}
        busy={checking > 0}
        upload={upload}
        onStart={start}
        onCancel={() => abort.current?.abort()}
      />
    </section>
  );
}
