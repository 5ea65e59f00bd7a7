import { icon } from '../components/icons';
import { h, replace } from '../dom';
import { t } from '../i18n';

/**
 * Pivots and copy buttons for the values shown on the incident page: a host, IP or user value links to the incident
 * list filtered by it (`/?host=`, `/?ip=`, `/?user=`), and every value can be copied to the clipboard.
 */

export type PivotKind = 'host' | 'ip' | 'user';

/** Field names (or the last segment of a dotted path) that name a host, across the usual log sources. */
const HOST_FIELDS = new Set(
  [
    'computer',
    'computername',
    'hostname',
    'host',
    'host.name',
    'host.hostname',
    'workstation',
    'workstationname',
    'devicename',
    'device_name',
    'machine',
    'machinename',
    'dvc',
    'dvc_host',
    'src_host',
    'dst_host',
    'sourcehostname',
    'destinationhostname',
    'source.hostname',
    'destination.hostname',
  ].map((s) => s.toLowerCase()),
);

/** Field names that name a user (core/detection/entities.ts and the exception filter's list, and a few more). */
const USER_FIELDS = new Set(
  [
    'user',
    'username',
    'user.name',
    'subjectusername',
    'targetusername',
    'accountname',
    'parentuser',
    'cs-username',
    'src_user',
    'dst_user',
    'sender',
    'mail.from',
    'samaccountname',
    'logonuser',
  ].map((s) => s.toLowerCase()),
);

/** Field names that carry IP addresses (core/detection/entities.ts): pivoted whatever the value looks like. */
const IP_FIELDS = new Set(
  [
    'src_ip',
    'dst_ip',
    'c-ip',
    's-ip',
    'sourceip',
    'destinationip',
    'ipaddress',
    'src',
    'dst',
    'client_ip',
    'source.ip',
    'destination.ip',
    'client.ip',
    'remote_addr',
    'clientip',
  ].map((s) => s.toLowerCase()),
);

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIpAddress(value: string): boolean {
  const v = value.trim();
  if (IPV4.test(v)) return true;
  if (!v.includes(':') || !/^[0-9a-f:.]+$/i.test(v)) return false;
  try {
    // The URL parser knows every valid IPv6 spelling (compressed, IPv4-mapped).
    new URL(`http://[${v}]/`);
    return true;
  } catch {
    return false;
  }
}

/** Values that are not worth pivoting on: empty, placeholders, flattened empties. */
function pivotable(value: string): boolean {
  const v = value.trim();
  return v !== '' && v !== '-' && v !== 'null' && v !== '[]' && v !== '{}' && v.length <= 255;
}

/** What a field of an event is, by its (flattened, dotted) name and the shape of its value. */
export function pivotKind(field: string, value: string): PivotKind | null {
  if (!pivotable(value)) return null;
  const name = field.toLowerCase();
  // `Users.0` (a flattened array) counts as `Users`; `host.name` is checked whole, then by its last segment.
  const base = name.replace(/\.\d+$/, '');
  const last = base.split('.').pop() ?? base;
  const isName = (set: Set<string>) => set.has(base) || set.has(last);
  if (isIpAddress(value)) return 'ip';
  if (isName(IP_FIELDS)) return 'ip';
  if (isName(HOST_FIELDS)) return 'host';
  if (isName(USER_FIELDS) || /(^|[._-])user(name)?$/.test(last) || /[a-z]user(name)?$/.test(last)) return 'user';
  // `*Address` / `*_addr` fields holding something else (a MAC, a mail address) are not IPs.
  return null;
}

/** The incident list filtered on a value: `/?host=WS01`. */
export function pivotHref(kind: PivotKind, value: string): string {
  return `/?${new URLSearchParams({ [kind]: value.trim() }).toString()}`;
}

/** A small link to the incident list filtered by `value`. */
export function pivotLink(kind: PivotKind, value: string): HTMLAnchorElement {
  const label = t(`triage.pivot.${kind}`, { value });
  return h(
    'a',
    { class: 'tool-btn pivot', href: pivotHref(kind, value), 'aria-label': label, title: label, 'data-pivot': kind },
    icon('filter', 13),
  );
}

/** Where copy confirmations are announced for screen readers (one per page; see incident.ts). */
export const ANNOUNCER_ATTR = 'data-triage-announcer';

export function announce(text: string): void {
  const el = document.querySelector(`[${ANNOUNCER_ATTR}]`);
  if (!el) return;
  // Clearing first makes the same message announced again.
  el.textContent = '';
  window.setTimeout(() => (el.textContent = text), 30);
}

async function writeClipboard(text: string): Promise<boolean> {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // fall through to the selection-based copy
    }
  }
  // Plain-HTTP deployments have no Clipboard API: copy through a temporary, off-screen text area.
  const area = h('textarea', { class: 'visually-hidden', 'aria-hidden': 'true', tabindex: -1, readonly: true });
  area.value = text;
  const previous = document.activeElement as HTMLElement | null;
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  previous?.focus?.({ preventScroll: true });
  return ok;
}

/**
 * A small icon button that copies `value`, saying "Copied" next to its icon for a moment (and to screen readers).
 * `label` is its accessible name, e.g. "Copy the value of CommandLine".
 */
export function copyValueButton(value: string, label: string): HTMLButtonElement {
  const button = h(
    'button',
    { type: 'button', class: 'tool-btn copy-mini', 'aria-label': label, title: label, 'data-copy': '' },
    icon('copy', 13),
  );
  let timer: number | undefined;
  button.addEventListener('click', async (ev) => {
    ev.preventDefault();
    ev.stopPropagation();
    const ok = await writeClipboard(value);
    window.clearTimeout(timer);
    if (ok) {
      replace(button, icon('check', 13), h('span', { class: 'copy-mini__done' }, t('triage.copied')));
      button.classList.add('copy-mini--done');
      announce(t('triage.copiedValue', { value: value.length > 60 ? `${value.slice(0, 59)}…` : value }));
    } else {
      announce(t('triage.copyFailed'));
      button.title = t('triage.copyFailed');
    }
    timer = window.setTimeout(() => {
      replace(button, icon('copy', 13));
      button.classList.remove('copy-mini--done');
      button.title = label;
    }, 2_000);
  });
  return button;
}

/** A value with its tools: the pivot link when it is a host/IP/user, and a copy button. */
export function valueWithTools(value: string, opts: { kind?: PivotKind | null; copyLabel: string; mono?: boolean; className?: string }): HTMLElement {
  return h(
    'span',
    { class: `val${opts.className ? ` ${opts.className}` : ''}` },
    h('span', { class: `val__text${opts.mono === false ? '' : ' mono'}` }, value),
    h('span', { class: 'val__tools' }, opts.kind ? pivotLink(opts.kind, value) : null, copyValueButton(value, opts.copyLabel)),
  );
}
