import { h, setText } from '../dom';
import { formatAge, formatDateTimeLong } from '../format';
import { t } from '../i18n';

/** A `<time>` showing how long ago `iso` was; one shared timer keeps every such element current. */
export function ageElement(iso: string, opts: { ago?: boolean; className?: string } = {}): HTMLTimeElement {
  return h(
    'time',
    { class: opts.className ?? 'age', datetime: iso, 'data-age': iso, 'data-age-ago': opts.ago ? '' : null, title: formatDateTimeLong(iso) },
    ageText(iso, Date.now(), !!opts.ago),
  );
}

function ageText(iso: string | undefined, now: number, ago: boolean): string {
  const age = formatAge(iso, now);
  return ago && age !== t('time.now') ? t('time.ago', { age }) : age;
}

let timer: number | undefined;

export function tickAges(): void {
  const now = Date.now();
  for (const el of document.querySelectorAll<HTMLElement>('[data-age]')) {
    setText(el, ageText(el.dataset.age, now, el.dataset.ageAgo !== undefined));
  }
}

export function startAgeTicker(intervalMs = 1_000): void {
  if (timer !== undefined) return;
  timer = window.setInterval(tickAges, intervalMs);
}
