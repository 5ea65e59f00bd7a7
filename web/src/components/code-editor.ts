import { h, uid } from '../dom';
import { t } from '../i18n';

/** Must match `--code-lh` in main.css: the gutter, the line marks and the text share this line height. */
const LINE_HEIGHT = 20;

export interface LineProblem {
  line: number;
  message: string;
}

export interface CodeEditor {
  el: HTMLElement;
  textarea: HTMLTextAreaElement;
  value(): string;
  setValue(text: string): void;
  /** Marks these lines in the gutter and behind the text (until the next call or `clearProblems`). */
  setProblems(problems: readonly LineProblem[]): void;
  clearProblems(): void;
  /** Focuses the text area with `line` selected and scrolled into view. */
  goToLine(line: number): void;
  /** Scrolls `line` into view without moving focus or the selection. */
  revealLine(line: number): void;
}

/**
 * A plain-text source editor: a monospace textarea with a line-number gutter. Lines with a problem get a marker in
 * the gutter (with the message as its tooltip) and a tinted band behind the text. No highlighting library: the
 * text stays a real textarea, so typing, selection, undo and assistive technology work as usual.
 */
export function codeEditor(opts: { id?: string; rows?: number; placeholder?: string; testId?: string } = {}): CodeEditor {
  const textarea = h('textarea', {
    id: opts.id ?? uid('code'),
    class: 'code-editor__input',
    rows: opts.rows ?? 18,
    wrap: 'off',
    spellcheck: 'false',
    autocomplete: 'off',
    autocapitalize: 'off',
    placeholder: opts.placeholder ?? null,
    'data-testid': opts.testId ?? null,
  });
  const lines = h('div', { class: 'code-editor__lines' });
  const gutter = h('div', { class: 'code-editor__gutter', 'aria-hidden': 'true', 'data-testid': opts.testId ? `${opts.testId}-gutter` : null }, lines);
  const marks = h('div', { class: 'code-editor__marks', 'aria-hidden': 'true' });
  const el = h('div', { class: 'code-editor' }, gutter, h('div', { class: 'code-editor__area' }, marks, textarea));

  let lineCount = 0;
  let problems: readonly LineProblem[] = [];

  function renderGutter(): void {
    const count = Math.max(1, textarea.value.split('\n').length);
    const byLine = new Map<number, string[]>();
    for (const p of problems) byLine.set(p.line, [...(byLine.get(p.line) ?? []), p.message]);
    // More lines than the text has when a problem points past its end (a missing final line).
    const shown = Math.max(count, ...problems.map((p) => p.line));
    lineCount = count;
    lines.replaceChildren(
      ...Array.from({ length: shown }, (_, i) => {
        const n = i + 1;
        const messages = byLine.get(n);
        return h(
          'div',
          {
            class: `code-editor__ln${messages ? ' is-error' : ''}`,
            'data-line': n,
            title: messages ? t('rules.problemLine', { line: String(n), message: messages.join('; ') }) : null,
          },
          String(n),
        );
      }),
    );
    marks.replaceChildren(
      ...[...byLine.keys()].map((n) => {
        const mark = h('div', { class: 'code-editor__mark' });
        mark.style.top = `${(n - 1) * LINE_HEIGHT}px`;
        return mark;
      }),
    );
  }

  function syncScroll(): void {
    const y = `translateY(${-textarea.scrollTop}px)`;
    lines.style.transform = y;
    marks.style.transform = y;
  }

  textarea.addEventListener('input', () => {
    if (Math.max(1, textarea.value.split('\n').length) !== lineCount) renderGutter();
    syncScroll();
  });
  textarea.addEventListener('scroll', syncScroll);
  renderGutter();

  return {
    el,
    textarea,
    value: () => textarea.value,
    setValue(text) {
      textarea.value = text;
      renderGutter();
      textarea.scrollTop = 0;
      syncScroll();
    },
    setProblems(next) {
      problems = next.filter((p) => Number.isInteger(p.line) && p.line > 0);
      textarea.setAttribute('aria-invalid', problems.length ? 'true' : 'false');
      renderGutter();
      syncScroll();
    },
    clearProblems() {
      problems = [];
      textarea.removeAttribute('aria-invalid');
      renderGutter();
    },
    revealLine(line) {
      const top = (line - 1) * LINE_HEIGHT;
      const view = textarea.clientHeight;
      if (top < textarea.scrollTop || top + LINE_HEIGHT > textarea.scrollTop + view) {
        textarea.scrollTop = Math.max(0, top - view / 3);
        syncScroll();
      }
    },
    goToLine(line) {
      const all = textarea.value.split('\n');
      const target = Math.min(Math.max(1, line), all.length);
      let start = 0;
      for (let i = 0; i < target - 1; i += 1) start += all[i]!.length + 1;
      const end = start + (all[target - 1]?.length ?? 0);
      textarea.focus({ preventScroll: true });
      textarea.setSelectionRange(start, end);
      textarea.scrollTop = Math.max(0, (target - 1) * LINE_HEIGHT - textarea.clientHeight / 3);
      syncScroll();
      textarea.closest('.code-editor')?.scrollIntoView({ block: 'nearest' });
    },
  };
}
