import { agencyName } from '../agencies';
import { UserError } from '../components/form';
import { h } from '../dom';
import { t } from '../i18n';
import type { RuleException } from '../types';

/** The rule id that means "every rule". */
export const ALL_RULES = '*';

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** A Date as the value of an `<input type="datetime-local">` (local time, minutes). */
export function toLocalInput(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/**
 * The expiry typed in local time as an ISO instant, or undefined when left empty. A time already past is refused
 * here, with a clearer message than the server's.
 */
export function expiryFromInput(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new UserError(t('exceptions.expiryInvalid'));
  if (date.getTime() <= Date.now()) throw new UserError(t('exceptions.expiryPast'));
  return date.toISOString();
}

/** An expiry picker that offers no past dates. */
export function expiryInput(): HTMLInputElement {
  const input = h('input', { type: 'datetime-local', class: 'input', name: 'expiresAt', 'data-testid': 'exception-expires' });
  const refreshMin = () => input.setAttribute('min', toLocalInput(new Date()));
  refreshMin();
  input.addEventListener('focus', refreshMin);
  return input;
}

/** `host = backup-srv-*`, `user = …`, `agency = …`, one chip per field condition. */
export function conditionChips(e: RuleException): HTMLElement {
  const items: [string, string][] = [];
  if (e.host !== undefined) items.push([t('exceptions.cond.host'), e.host]);
  if (e.user !== undefined) items.push([t('exceptions.cond.user'), e.user]);
  if (e.agencyId !== undefined) items.push([t('exceptions.cond.agency'), agencyName(e.agencyId)]);
  for (const [name, value] of Object.entries(e.fields ?? {})) items.push([name, String(value)]);
  return h(
    'ul',
    { class: 'chips conditions' },
    items.map(([name, value]) =>
      h('li', null, h('span', { class: 'chip chip--cond' }, h('span', { class: 'chip__key' }, name), h('span', { class: 'chip__op' }, t('exceptions.equals')), h('span', { class: 'mono' }, value))),
    ),
  );
}
