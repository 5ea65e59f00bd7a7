import { h } from '../dom';

/**
 * An on/off switch (`role="switch"`): a button, so Space and Enter toggle it. The state is written next to the
 * track ("On" / "Off"), never shown by colour alone. While `onToggle` runs the switch is busy; if it fails the
 * switch stays as it was (the caller reports the error).
 */
export function toggleSwitch(opts: {
  checked: boolean;
  label: string;
  onText: string;
  offText: string;
  testId?: string;
  onToggle: (next: boolean) => Promise<void>;
}): HTMLButtonElement {
  let checked = opts.checked;
  const text = h('span', { class: 'switch__text' });
  const button = h(
    'button',
    { type: 'button', role: 'switch', class: 'switch', 'aria-label': opts.label, 'data-testid': opts.testId ?? null },
    h('span', { class: 'switch__track', 'aria-hidden': 'true' }, h('span', { class: 'switch__thumb' })),
    text,
  );

  function render(): void {
    button.setAttribute('aria-checked', String(checked));
    text.textContent = checked ? opts.onText : opts.offText;
  }

  button.addEventListener('click', () => {
    if (button.getAttribute('aria-busy') === 'true') return;
    button.setAttribute('aria-busy', 'true');
    const next = !checked;
    opts
      .onToggle(next)
      .then(() => {
        checked = next;
        render();
      })
      .catch(() => undefined)
      .finally(() => button.removeAttribute('aria-busy'));
  });

  render();
  return button;
}
