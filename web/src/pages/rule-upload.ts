import { ApiError, api } from '../api';
import { ruleKindLabel } from '../components/badges';
import { codeEditor, type LineProblem } from '../components/code-editor';
import { UserError, errorBox, field, onSubmit } from '../components/form';
import { icon } from '../components/icons';
import { h, replace } from '../dom';
import { t, tp } from '../i18n';
import { RULE_KINDS, type RuleKind, type RuleProblem, type UploadedRule } from '../types';

const MAX_UPLOAD_BYTES = 512 * 1024;

export interface UploadPanel {
  el: HTMLElement;
  open(): void;
  close(): void;
  isOpen(): boolean;
}

function problemsOf(err: unknown): RuleProblem[] {
  if (!(err instanceof ApiError) || err.status !== 400 || !Array.isArray(err.details)) return [];
  return (err.details as unknown[])
    .filter((d): d is RuleProblem => !!d && typeof d === 'object' && typeof (d as RuleProblem).message === 'string')
    .map((d) => ({ line: typeof d.line === 'number' && d.line > 0 ? d.line : null, message: d.message }));
}

/**
 * The admin's "Upload rule" panel: kind, a source editor with line numbers (or a file loaded into it), and the
 * server's verdict. A rejected rule lists each problem with its line; the line is marked in the editor and a click
 * on the problem selects it. An accepted rule shows its ids, and `onUploaded` refreshes the list.
 */
export function uploadPanel(opts: { onUploaded: (result: UploadedRule) => void; onClose: () => void }): UploadPanel {
  const kind = h(
    'select',
    { name: 'kind', class: 'select', 'data-testid': 'rule-upload-kind' },
    RULE_KINDS.map((k) => h('option', { value: k }, ruleKindLabel(k))),
  );
  const file = h('input', { type: 'file', class: 'input input--file', accept: '.yml,.yaml,.yar,.yara,.txt' });
  const editor = codeEditor({ rows: 18, testId: 'rule-editor', placeholder: t('rules.uploadPlaceholder') });
  const submit = h('button', { type: 'submit', class: 'btn btn--primary', 'data-testid': 'rule-upload-submit' }, t('rules.uploadSubmit'));
  const close = h('button', { type: 'button', class: 'btn btn--secondary' }, t('rules.uploadClose'));
  const errors = errorBox();
  const problemsId = 'rule-upload-problems';
  const problemsBox = h('div', { class: 'form-error upload-problems', id: problemsId, role: 'alert', hidden: true, 'data-testid': 'rule-upload-errors' });
  const result = h('div', { class: 'upload-result', role: 'status', 'data-testid': 'rule-upload-result' });

  // Not `field()`: the control lives inside the editor frame, next to its gutter.
  const editorHintId = `${editor.textarea.id}-hint`;
  const editorField = h(
    'div',
    { class: 'field' },
    h('label', { class: 'field__label', for: editor.textarea.id }, t('rules.uploadContent')),
    editor.el,
    h('p', { class: 'field__hint', id: editorHintId }, t('rules.uploadEditorHint')),
  );

  const form = h(
    'form',
    { class: 'form upload-form', novalidate: true, 'aria-labelledby': 'rule-upload-title' },
    h('div', { class: 'upload-form__row' }, field(t('rules.uploadKind'), kind, { className: 'field--kind' }), field(t('rules.uploadFile'), file, { hint: t('rules.uploadFileHint') })),
    editorField,
    problemsBox,
    errors.el,
    h('div', { class: 'form__actions' }, submit, close),
  );
  const el = h(
    'section',
    { class: 'card upload-panel', id: 'rule-upload', 'aria-labelledby': 'rule-upload-title', hidden: true, 'data-testid': 'rule-upload-panel' },
    h('h2', { class: 'card__title', id: 'rule-upload-title', tabindex: -1 }, icon('upload', 16), t('rules.uploadHeading')),
    h('p', { class: 'upload-panel__help' }, t('rules.uploadHelp')),
    result,
    form,
  );

  function clearProblems(): void {
    problemsBox.hidden = true;
    problemsBox.replaceChildren();
    editor.clearProblems();
    editor.textarea.setAttribute('aria-describedby', editorHintId);
  }

  function showProblems(problems: RuleProblem[]): void {
    const lined: LineProblem[] = problems.filter((p): p is LineProblem => typeof p.line === 'number');
    editor.setProblems(lined);
    if (lined[0]) editor.revealLine(Math.min(...lined.map((p) => p.line)));
    replace(
      problemsBox,
      icon('alert', 16, 'form-error__icon'),
      h(
        'div',
        null,
        h('p', { class: 'error__message' }, tp('rules.uploadRejected', problems.length)),
        h(
          'ul',
          { class: 'upload-problems__list' },
          problems.map((p) => {
            if (typeof p.line !== 'number') return h('li', { 'data-testid': 'rule-problem' }, p.message);
            const line = p.line;
            const go = h(
              'button',
              { type: 'button', class: 'problem-link', 'data-line': line, title: t('rules.problemGoto', { line: String(line) }) },
              h('span', { class: 'problem-link__line' }, t('rules.lineLabel', { line: String(line) })),
              ' ',
              p.message,
            );
            go.addEventListener('click', () => editor.goToLine(line));
            return h('li', { 'data-testid': 'rule-problem' }, go);
          }),
        ),
      ),
    );
    problemsBox.hidden = false;
    editor.textarea.setAttribute('aria-describedby', `${problemsId} ${editorHintId}`);
  }

  function showResult(uploaded: UploadedRule): void {
    replace(
      result,
      h(
        'div',
        { class: 'notice notice--visible upload-result__box' },
        icon('check', 16),
        h(
          'div',
          null,
          h('p', null, h('strong', null, tp('rules.uploadedIds', uploaded.ids.length)), ' ', h('span', { class: 'mono break' }, uploaded.file)),
          h('ul', { class: 'upload-result__ids' }, uploaded.ids.map((id) => h('li', null, h('code', { 'data-testid': 'rule-uploaded-id' }, id)))),
        ),
      ),
    );
  }

  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    errors.clear();
    if (chosen.size > MAX_UPLOAD_BYTES) {
      errors.show(new UserError(t('rules.uploadTooLarge')));
      return;
    }
    if (/\.yara?$/i.test(chosen.name)) kind.value = 'yara';
    else if (/\.ya?ml$/i.test(chosen.name)) kind.value = 'sigma';
    chosen
      .text()
      .then((text) => {
        editor.setValue(text);
        clearProblems();
      })
      .catch(() => errors.show(new UserError(t('rules.fileReadFailed'))));
  });

  onSubmit(form, {
    button: submit,
    busyLabel: t('rules.uploading'),
    errors,
    action: async () => {
      clearProblems();
      result.replaceChildren();
      const content = editor.value();
      if (!content.trim()) {
        editor.textarea.focus();
        throw new UserError(t('rules.uploadEmpty'));
      }
      try {
        const uploaded = await api.uploadRule({ kind: kind.value as RuleKind, content });
        showResult(uploaded);
        editor.setValue('');
        file.value = '';
        opts.onUploaded(uploaded);
      } catch (err) {
        const problems = problemsOf(err);
        if (!problems.length) throw err;
        showProblems(problems);
      }
    },
  });

  close.addEventListener('click', () => opts.onClose());
  editor.textarea.setAttribute('aria-describedby', editorHintId);

  return {
    el,
    open() {
      el.hidden = false;
      editor.textarea.focus();
    },
    close() {
      el.hidden = true;
    },
    isOpen: () => !el.hidden,
  };
}
