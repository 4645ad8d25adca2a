/**
 * The summary of a finished batch: key figures, doc-analyze's batch analysis when the
 * report has one, errors grouped by code, three charts (status breakdown, size before and
 * after per file unless the outputs are reports, duration distribution; Chart.js), and the
 * report downloads. Each chart
 * carries a text description; the file table on the page holds the same data for screen
 * readers.
 */
import { useEffect, useRef, useState } from 'react';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  DoughnutController,
  ArcElement,
  Legend,
  LinearScale,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { formatDuration } from '../../../src/core/format.js';
import { api, ApiError } from '../api.js';
import type { Report } from '../../../src/core/report.js';
import { comparesSizes, docAnalysis, errorGroups, facts, findings, histogram } from '../summary.js';
import { DocAnalysis } from './DocAnalysis.js';
import { downloadName } from '../../../src/core/batch-name.js';
import { Download } from './Download.js';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  DoughnutController,
  ArcElement,
  Legend,
  Tooltip,
);

/** The page's own colours (light or dark), read from its CSS variables. */
function palette() {
  const style = getComputedStyle(document.documentElement);
  const get = (name: string) => style.getPropertyValue(name).trim();
  return {
    fg: get('--fg'),
    muted: get('--muted'),
    line: get('--line'),
    accent: get('--accent'),
    ok: get('--ok'),
    bad: get('--bad'),
  };
}

function ChartCanvas({ config, label }: { config: ChartConfiguration; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, config);
    return () => chart.destroy();
  }, [config]);
  return (
    <div className="chart">
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}

function charts(report: Report) {
  const colours = palette();
  const { summary, files } = report;
  Chart.defaults.color = colours.fg;
  Chart.defaults.borderColor = colours.line;
  const statuses: ChartConfiguration = {
    type: 'doughnut',
    data: {
      labels: ['succeeded', 'failed', 'cancelled'],
      datasets: [
        {
          data: [summary.succeeded, summary.failed, summary.cancelled],
          backgroundColor: [colours.ok, colours.bad, colours.muted],
        },
      ],
    },
    options: { animation: false, maintainAspectRatio: false },
  };
  const succeeded = files.filter((f) => f.outputBytes !== null);
  const kib = (bytes: number) => Math.round(bytes / 1024);
  const sizes: ChartConfiguration = {
    type: 'bar',
    data: {
      labels: succeeded.map((f) => f.name.split('/').pop() ?? f.name),
      datasets: [
        {
          label: 'before (KiB)',
          data: succeeded.map((f) => kib(f.inputBytes)),
          backgroundColor: colours.muted,
        },
        {
          label: 'after (KiB)',
          data: succeeded.map((f) => kib(f.outputBytes ?? 0)),
          backgroundColor: colours.accent,
        },
      ],
    },
    options: { animation: false, maintainAspectRatio: false },
  };
  const bins = histogram(files.filter((f) => f.durationMs !== null).map((f) => f.durationMs!));
  const durations: ChartConfiguration = {
    type: 'bar',
    data: {
      labels: bins.map((b) => `${formatDuration(b.from)}–${formatDuration(b.to)}`),
      datasets: [{ label: 'files', data: bins.map((b) => b.count), backgroundColor: colours.accent }],
    },
    options: { animation: false, maintainAspectRatio: false, plugins: { legend: { display: false } } },
  };
  return { statuses, sizes, durations };
}

/** The key figures: no size reduction for a processor whose outputs are reports. */
export function SummaryFacts({ report }: { report: Pick<Report, 'summary' | 'files'> }) {
  return (
    <dl className="facts">
      {facts(report).map((f) => (
        <div key={f.label}>
          <dt>{f.label}</dt>
          <dd>{f.value}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Summary({ id, name, version }: { id: string; name: string | null; version: string }) {
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api
      .report(id)
      .then(setReport, (e: unknown) =>
        setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e)),
      );
  }, [id, version]);
  const [configs, setConfigs] = useState<ReturnType<typeof charts> | null>(null);
  useEffect(() => setConfigs(report ? charts(report) : null), [report]);

  if (error) return <p role="alert">{error}</p>;
  if (!report || !configs) return null;
  const groups = errorGroups(report.files);
  const found = findings(report.files);
  const analysis = docAnalysis(report);
  const { summary } = report;
  return (
    <section className="summary-panel" aria-labelledby="summary-title">
      <h2 id="summary-title">Summary</h2>
      <SummaryFacts report={report} />

      {found && (
        <p className="findings">
          <strong>
            Active content found in {found.files} of {found.of} files
          </strong>
          {found.files > 0 &&
            `: ${Object.entries(found.byKind)
              .map(([kind, count]) => `${kind} × ${count}`)
              .join(', ')} — removed`}
        </p>
      )}

      {analysis && <DocAnalysis analysis={analysis} />}

      {groups.length > 0 && (
        <>
          <h3>Errors</h3>
          <ul className="errors">
            {groups.map((g) => (
              <li key={g.code}>
                <strong>{g.code}</strong> × {g.count}
                <ul>
                  {g.examples.map((e) => (
                    <li key={e.name}>
                      {e.name}: {e.message}
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </>
      )}

      <div className="charts">
        <figure>
          <figcaption>Status</figcaption>
          <ChartCanvas
            config={configs.statuses}
            label={`${summary.succeeded} succeeded, ${summary.failed} failed, ${summary.cancelled} cancelled`}
          />
        </figure>
        {comparesSizes(summary) && (
          <figure>
            <figcaption>Size before and after, per file</figcaption>
            <ChartCanvas
              config={configs.sizes}
              label={`Sizes of ${summary.succeeded} outputs against their inputs; listed in the table below`}
            />
          </figure>
        )}
        <figure>
          <figcaption>Time per file</figcaption>
          <ChartCanvas
            config={configs.durations}
            label="How many files took how long; listed in the table below"
          />
        </figure>
      </div>

      <p className="downloads">
        {summary.succeeded > 0 && (
          <Download
            batchId={id}
            path={api.resultsUrl(id)}
            fileName={downloadName({ id, name }, 'results.zip')}
            className="button primary"
          >
            Download results (ZIP)
          </Download>
        )}
        <Download
          batchId={id}
          path={api.reportUrl(id, 'json')}
          fileName={downloadName({ id, name }, 'report.json')}
          className="button"
        >
          Report (JSON)
        </Download>
        <Download
          batchId={id}
          path={api.reportUrl(id, 'csv')}
          fileName={downloadName({ id, name }, 'report.csv')}
          className="button"
        >
          Report (CSV)
        </Download>
      </p>
    </section>
  );
}
