import { h, uid } from '../dom';
import { t } from '../i18n';

/**
 * A modal confirmation on the native <dialog> (focus kept inside, Escape cancels). Resolves true on confirm.
 * Focus returns to whatever had it before.
 */
export function confirmDialog(opts: { title: string; body: string; confirmLabel: string; danger?: boolean }): Promise<boolean> {
  return new Promise((resolve) => {
    const titleId = uid('dlg');
    const bodyId = uid('dlg');
    const previous = document.activeElement as HTMLElement | null;
    const cancel = h('button', { type: 'button', class: 'btn btn--secondary', value: 'cancel' }, t('dialog.cancel'));
    const confirm = h(
      'button',
      { type: 'button', class: `btn ${opts.danger ? 'btn--danger' : 'btn--primary'}`, value: 'confirm' },
      opts.confirmLabel,
    );
    const dialog = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': titleId, 'aria-describedby': bodyId },
      h('h2', { class: 'dialog__title', id: titleId }, opts.title),
      h('p', { class: 'dialog__body', id: bodyId }, opts.body),
      h('div', { class: 'dialog__actions' }, cancel, confirm),
    );
    let result = false;
    cancel.addEventListener('click', () => dialog.close());
    confirm.addEventListener('click', () => {
      result = true;
      dialog.close();
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      previous?.focus?.();
      resolve(result);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
