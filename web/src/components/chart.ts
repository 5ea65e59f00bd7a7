/**
 * Charts with Chart.js, registering only the pieces the console draws (line, bar and doughnut charts with their
 * scales, legend and tooltip), so the bundle carries nothing else. A chart is a canvas with an accessible name that
 * states its data in words; colours come from the theme's CSS custom properties. Animation is off for people who
 * ask for reduced motion.
 */
import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  DoughnutController,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type ChartType,
} from 'chart.js';
import { h } from '../dom';
import { formatNumber, locale } from '../i18n';

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, DoughnutController, ArcElement, CategoryScale, LinearScale, Legend, Tooltip, Filler);

let defaultsApplied = false;

/** A theme colour (`--accent` …) as the browser resolved it. */
export function themeColor(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

/** `#58a6ff` → `rgba(88, 166, 255, 0.2)`. */
export function withAlpha(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) return hex;
  const n = parseInt(m[1]!, 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

function applyDefaults(): void {
  if (defaultsApplied) return;
  defaultsApplied = true;
  Chart.defaults.color = themeColor('--text-muted', '#9aa7b4');
  Chart.defaults.borderColor = themeColor('--row-border', '#1b2430');
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 12;
  Chart.defaults.locale = locale();
  Chart.defaults.plugins.legend.labels.boxWidth = 12;
  Chart.defaults.plugins.legend.labels.boxHeight = 12;
  Chart.defaults.plugins.tooltip.backgroundColor = themeColor('--bg-raised-2', '#161d26');
  Chart.defaults.plugins.tooltip.borderColor = themeColor('--border-strong', '#344358');
  Chart.defaults.plugins.tooltip.borderWidth = 1;
  Chart.defaults.plugins.tooltip.titleColor = themeColor('--text', '#e6edf3');
  Chart.defaults.plugins.tooltip.bodyColor = themeColor('--text-soft', '#c5cfd9');
  if (window.matchMedia?.('(prefers-reduced-motion: reduce)').matches) Chart.defaults.animation = false;
}

/** Axis tick labels as whole numbers in the active language. */
export const countTicks = { precision: 0, callback: (value: string | number) => formatNumber(Number(value)) };

export interface ChartHandle {
  el: HTMLElement;
  /** Replaces the data (and anything else) and redraws. */
  update(config: ChartConfiguration): void;
  setLabel(label: string): void;
  destroy(): void;
}

/**
 * A chart filling a box whose height the stylesheet gives through `className` (`.chart` is 260 px by default). The
 * chart is created once the box is in the document (Chart.js measures it), so the caller may build it before
 * appending.
 */
export function chartBox<T extends ChartType>(opts: { label: string; className?: string; testId?: string; config: ChartConfiguration<T> }): ChartHandle {
  applyDefaults();
  const canvas = h('canvas', { role: 'img', 'aria-label': opts.label });
  const el = h('div', { class: `chart${opts.className ? ` ${opts.className}` : ''}`, 'data-testid': opts.testId ?? null }, canvas);
  let chart: Chart | null = null;
  let pending: ChartConfiguration = opts.config as ChartConfiguration;
  let disposed = false;

  const mount = () => {
    if (disposed || chart) return;
    if (!el.isConnected) {
      requestAnimationFrame(mount);
      return;
    }
    const config = { ...pending, options: { responsive: true, maintainAspectRatio: false, ...pending.options } } as ChartConfiguration;
    chart = new Chart(canvas, config);
  };
  queueMicrotask(mount);

  return {
    el,
    update(config) {
      pending = config;
      if (!chart) return;
      chart.data = config.data;
      if (config.options) chart.options = { responsive: true, maintainAspectRatio: false, ...config.options } as never;
      chart.update();
    },
    setLabel(label) {
      canvas.setAttribute('aria-label', label);
    },
    destroy() {
      disposed = true;
      chart?.destroy();
      chart = null;
    },
  };
}
