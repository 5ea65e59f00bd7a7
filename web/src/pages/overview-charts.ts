/**
 * The overview's Chart.js charts, built once and then fed new data in place: the arrays are swapped and the chart is
 * redrawn with `update('none')` (no animation, no new Chart), so a refresh every few seconds costs next to nothing.
 * Each chart is a canvas with role="img" and an accessible name stating its data in words (set on every update).
 */
import { Chart, type ChartConfiguration, type ChartType } from 'chart.js';
import { chartBox, countTicks, themeColor, withAlpha } from '../components/chart';
import { SEVERITIES, type Severity } from '../types';

/** Theme variable and fallback of each severity colour (main.css). */
export const SEVERITY_COLORS: Record<Severity, [string, string]> = {
  critical: ['--sev-critical', '#ff5c5c'],
  high: ['--sev-high', '#ff8c42'],
  medium: ['--sev-medium', '#f2c94c'],
  low: ['--sev-low', '#4cc38a'],
  informational: ['--sev-informational', '#6cb6ff'],
};

export interface LiveChart {
  el: HTMLElement;
  /** New data (and accessible name) for the existing chart. */
  set(labels: string[], values: number[], label: string): void;
  /** Redraws with the current data (after a change of type scale). */
  redraw(): void;
  destroy(): void;
}

/** Wraps components/chart.ts: the handle creates the chart once its box is in the page; we only ever update it. */
function live<T extends ChartType>(opts: { label: string; className: string; testId: string; config: ChartConfiguration<T> }): LiveChart {
  const handle = chartBox(opts);
  const canvas = handle.el.querySelector('canvas')!;
  const data = opts.config.data;
  return {
    el: handle.el,
    set(labels, values, label) {
      // Before the chart exists, the config it will be created from carries the data; after, the chart's own.
      data.labels = labels;
      data.datasets[0]!.data = values as never;
      const chart = Chart.getChart(canvas);
      if (chart) {
        chart.data.labels = labels;
        chart.data.datasets[0]!.data = values;
        chart.update('none');
      }
      handle.setLabel(label);
    },
    redraw() {
      Chart.getChart(canvas)?.update('none');
    },
    destroy() {
      handle.destroy();
    },
  };
}

/** Tick font: larger on the wall screen (read at each draw, so a toggle needs only a redraw). */
const tickFont = (wall: () => boolean) => () => ({ size: wall() ? 17 : 11 });

/** A small time series inside a tile: a filled line (events per 10 s) or bars (alerts per minute). */
export function seriesChart(opts: {
  type: 'line' | 'bar';
  testId: string;
  label: string;
  color: [string, string];
  /** Tooltip body for one point. */
  point: (count: number) => string;
  wall: () => boolean;
}): LiveChart {
  const color = themeColor(...opts.color);
  const grid = themeColor('--row-border', '#1b2430');
  const font = tickFont(opts.wall);
  const dataset =
    opts.type === 'line'
      ? {
          data: [] as number[],
          borderColor: color,
          backgroundColor: withAlpha(color, 0.2),
          fill: 'origin' as const,
          tension: 0.3,
          borderWidth: 2,
          pointRadius: 0,
          pointHoverRadius: 4,
          pointHitRadius: 6,
        }
      : {
          data: [] as number[],
          backgroundColor: withAlpha(color, 0.9),
          hoverBackgroundColor: color,
          borderRadius: 1,
          barPercentage: 0.86,
          categoryPercentage: 1,
          minBarLength: 0,
        };
  const config = {
    type: opts.type,
    data: { labels: [] as string[], datasets: [dataset] },
    options: {
      interaction: { mode: 'index', intersect: false },
      layout: { padding: { top: 4 } },
      scales: {
        x: { display: false },
        y: {
          beginAtZero: true,
          suggestedMax: 1,
          position: 'right',
          border: { display: false },
          grid: { color: grid },
          ticks: { ...countTicks, maxTicksLimit: 3, font, padding: 4 },
        },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          displayColors: false,
          callbacks: { label: (ctx: { parsed: { y: number | null } }) => opts.point(ctx.parsed.y ?? 0) },
        },
      },
    },
  } as unknown as ChartConfiguration;
  return live({ label: opts.label, className: 'ov-chart ov-chart--spark', testId: opts.testId, config });
}

/**
 * Open incidents by severity as a doughnut, one segment per severity in the theme's colours; a segment is clickable
 * (the legend beside it carries the same links for the keyboard). With nothing open a grey ring keeps the shape.
 */
export function severityDoughnut(opts: { testId: string; label: string; onSelect: (s: Severity) => void }): LiveChart {
  const colors = [...SEVERITIES.map((s) => themeColor(...SEVERITY_COLORS[s])), themeColor('--border', '#243040')];
  const config: ChartConfiguration<'doughnut'> = {
    type: 'doughnut',
    data: {
      labels: [...SEVERITIES, ''],
      datasets: [
        {
          data: [0, 0, 0, 0, 0, 1],
          backgroundColor: colors,
          hoverBackgroundColor: colors,
          borderColor: themeColor('--bg-raised', '#11161d'),
          // Gaps between segments only when there are several: a lone full ring has no seam.
          borderWidth: (ctx) => ((ctx.dataset.data as number[]).filter((n) => n > 0).length > 1 ? 2 : 0),
        },
      ],
    },
    options: {
      cutout: '68%',
      plugins: {
        legend: { display: false },
        tooltip: { filter: (item) => item.dataIndex < SEVERITIES.length },
      },
      onClick: (_ev, elements) => {
        const s = SEVERITIES[elements[0]?.index ?? -1];
        if (s) opts.onSelect(s);
      },
      onHover: (ev, elements) => {
        const target = ev.native?.target;
        if (target instanceof HTMLElement) target.style.cursor = elements.some((e) => e.index < SEVERITIES.length) ? 'pointer' : '';
      },
    },
  };
  return live({ label: opts.label, className: 'ov-chart ov-chart--donut', testId: opts.testId, config });
}
