import { agencyName } from './agencies';
import { icon } from './components/icons';
import { popover } from './components/popover';
import { toggleSwitch } from './components/switch';
import { h, replace } from './dom';
import { onLanguageChange, t } from './i18n';
import { onIncident } from './live';
import { session } from './session';
import type { Incident } from './types';

/**
 * Alerts for new critical incidents, for the analyst whose eyes are on another screen: a short tone (generated with
 * the Web Audio API, no sound file) and/or a desktop notification. Both are off until the user turns them on in the
 * header's bell menu; the choice is remembered in this browser. Only `incident:new` of severity critical alerts:
 * updates (including the user's own changes) never do, and nor do incidents the user just acted on.
 */

const STORAGE_KEY = 'vigil.notify';

export interface NotifySettings {
  sound: boolean;
  desktop: boolean;
}

const listeners = new Set<(s: NotifySettings) => void>();

export function notifySettings(): NotifySettings {
  try {
    const raw = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as Partial<NotifySettings>;
    return { sound: raw.sound === true, desktop: raw.desktop === true };
  } catch {
    return { sound: false, desktop: false };
  }
}

function saveSettings(next: NotifySettings): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  } catch {
    // storage unavailable: the choice lasts for this page only
  }
  current = next;
  for (const fn of listeners) fn(next);
}

let current: NotifySettings = notifySettings();

// ---- Sound ----------------------------------------------------------------------------------------------------------

let audio: AudioContext | null = null;

/** The audio context, created (or resumed) during a user gesture so the browser lets it play later. */
function audioContext(): AudioContext | null {
  const Ctor = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!Ctor) return null;
  audio ??= new Ctor();
  if (audio.state === 'suspended') void audio.resume().catch(() => undefined);
  return audio;
}

/** Two short descending beeps (about 0.4 s), loud enough to notice, soft enough for a shared room. */
export function playAlertTone(): void {
  const ctx = audioContext();
  if (!ctx) return;
  const start = ctx.currentTime + 0.02;
  [
    { freq: 988, at: 0 },
    { freq: 740, at: 0.2 },
  ].forEach(({ freq, at }) => {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'sine';
    osc.frequency.value = freq;
    const t0 = start + at;
    gain.gain.setValueAtTime(0.0001, t0);
    gain.gain.exponentialRampToValueAtTime(0.25, t0 + 0.015);
    gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.17);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t0);
    osc.stop(t0 + 0.18);
  });
}

// ---- Desktop notifications ------------------------------------------------------------------------------------------

const notificationsSupported = () => typeof window.Notification === 'function';

function showDesktop(incident: Incident, navigate: (path: string) => void): void {
  if (!notificationsSupported() || window.Notification.permission !== 'granted') return;
  const agency = agencyName(incident.agencyId);
  const body = incident.host ? t('notify.body', { host: incident.host, agency }) : t('notify.bodyNoHost', { agency });
  try {
    const n = new window.Notification(t('notify.title', { title: incident.title }), { body, tag: incident.id });
    n.onclick = () => {
      window.focus();
      navigate(`/incidents/${encodeURIComponent(incident.id)}`);
      n.close();
    };
  } catch {
    // Some browsers only allow notifications from a service worker: the sound (if on) still plays.
  }
}

// ---- The user's own actions ------------------------------------------------------------------------------------------

const OWN_ACTION_MS = 30_000;
const own = new Map<string, number>();

/** Incidents the user is acting on: no alert for them for a while. */
export function noteOwnAction(ids: Iterable<string>): void {
  const until = Date.now() + OWN_ACTION_MS;
  for (const id of ids) own.set(id, until);
}

function isOwn(id: string): boolean {
  const until = own.get(id);
  if (until === undefined) return false;
  if (until < Date.now()) {
    own.delete(id);
    return false;
  }
  return true;
}

// ---- Start ----------------------------------------------------------------------------------------------------------

let started = false;
const alerted = new Set<string>();

/** Listens to the live feed (once per page load; idle while nobody is signed in). */
export function startNotifications(opts: { navigate: (path: string) => void }): void {
  if (started) return;
  started = true;
  onIncident((kind, incident) => {
    if (kind !== 'new' || incident.severity !== 'critical' || !session.user) return;
    if (isOwn(incident.id) || alerted.has(incident.id)) return;
    alerted.add(incident.id);
    if (alerted.size > 1_000) alerted.delete(alerted.values().next().value as string);
    if (current.sound) playAlertTone();
    if (current.desktop) showDesktop(incident, opts.navigate);
  });
  // After a reload the browser only lets audio start after the user interacts with the page: prepare it then.
  const unlock = () => {
    if (current.sound) audioContext();
    document.removeEventListener('pointerdown', unlock, true);
    document.removeEventListener('keydown', unlock, true);
  };
  document.addEventListener('pointerdown', unlock, true);
  document.addEventListener('keydown', unlock, true);
}

// ---- The header control -----------------------------------------------------------------------------------------------

/** The bell in the header: a menu with the two switches. */
export function notificationControl(): HTMLElement {
  const button = h('button', { type: 'button', class: 'btn btn--ghost btn--small btn--icon notify__button', 'data-testid': 'notify-button' });
  const body = h('div', { class: 'notify__body' });
  const pop = popover({ button, content: body, align: 'end', className: 'notify', label: t('notify.menuTitle') });
  let note = '';

  function renderButton(): void {
    const on = current.sound || current.desktop;
    replace(button, icon(on ? 'bell' : 'bellOff', 16), on ? h('span', { class: 'notify__dot', 'aria-hidden': 'true' }) : null);
    const label = on ? t('notify.buttonOn') : t('notify.button');
    button.title = label;
    button.setAttribute('aria-label', label);
    button.classList.toggle('is-on', on);
  }

  function render(): void {
    const sound = toggleSwitch({
      checked: current.sound,
      label: t('notify.sound'),
      onText: t('notify.on'),
      offText: t('notify.off'),
      testId: 'notify-sound',
      onToggle: async (next) => {
        if (next) {
          // This click is the gesture that lets the page play sound; the preview says what to listen for.
          playAlertTone();
        }
        saveSettings({ ...current, sound: next });
      },
    });
    const desktop = toggleSwitch({
      checked: current.desktop,
      label: t('notify.desktop'),
      onText: t('notify.on'),
      offText: t('notify.off'),
      testId: 'notify-desktop',
      onToggle: async (next) => {
        note = '';
        if (next) {
          if (!notificationsSupported()) {
            note = t('notify.unsupported');
            render();
            body.querySelector<HTMLElement>('[data-testid="notify-desktop"]')?.focus();
            throw new Error('unsupported');
          }
          let permission = window.Notification.permission;
          if (permission === 'default') permission = await window.Notification.requestPermission();
          if (permission !== 'granted') {
            note = t('notify.denied');
            render();
            body.querySelector<HTMLElement>('[data-testid="notify-desktop"]')?.focus();
            throw new Error('denied');
          }
        }
        saveSettings({ ...current, desktop: next });
      },
    });
    replace(
      body,
      h('p', { class: 'notify__title' }, t('notify.menuTitle')),
      h('div', { class: 'notify__row' }, h('span', { class: 'notify__label', 'aria-hidden': 'true' }, t('notify.sound')), sound),
      h('div', { class: 'notify__row' }, h('span', { class: 'notify__label', 'aria-hidden': 'true' }, t('notify.desktop')), desktop),
      note ? h('p', { class: 'notify__note', role: 'alert' }, note) : null,
      h('p', { class: 'notify__hint' }, t('notify.hint')),
    );
    pop.panel.setAttribute('aria-label', t('notify.menuTitle'));
  }

  listeners.add(() => renderButton());
  onLanguageChange(() => {
    renderButton();
    render();
  });
  renderButton();
  render();
  return pop.el;
}
