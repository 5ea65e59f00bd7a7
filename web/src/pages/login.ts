import { api } from '../api';
import { errorBox, field, onSubmit } from '../components/form';
import { icon } from '../components/icons';
import { h } from '../dom';
import { t } from '../i18n';
import type { Page } from '../router';
import type { SessionUser } from '../types';

/** Only same-app paths are followed after sign-in (no open redirect). */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/login')) return '/';
  return next;
}

export function loginPage(onSignedIn: (user: SessionUser, next: string) => void): Page {
  return ({ outlet, query }) => {
    document.title = `${t('login.title')} · ${t('app.name')}`;
    const username = h('input', {
      type: 'text',
      name: 'username',
      autocomplete: 'username',
      autocapitalize: 'none',
      spellcheck: 'false',
      required: true,
      'data-autofocus': true,
      class: 'input',
    });
    const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true, class: 'input' });
    const submit = h('button', { type: 'submit', class: 'btn btn--primary btn--block' }, t('login.submit'));
    const errors = errorBox();
    const form = h(
      'form',
      { class: 'form login__form', novalidate: true },
      field(t('login.username'), username),
      field(t('login.password'), password),
      errors.el,
      submit,
    );
    onSubmit(form, {
      button: submit,
      busyLabel: t('login.submitting'),
      errors,
      action: async () => {
        try {
          const { user } = await api.login(username.value.trim(), password.value);
          onSignedIn(user, safeNext(query.get('next')));
        } catch (err) {
          password.value = '';
          password.focus();
          throw err;
        }
      },
    });

    outlet.append(
      h(
        'div',
        { class: 'login' },
        h(
          'section',
          { class: 'login__card', 'aria-labelledby': 'login-title' },
          h('div', { class: 'login__brand' }, icon('shieldV', 36, 'brand__logo'), h('span', { class: 'login__product' }, t('app.name'))),
          h('p', { class: 'login__tagline' }, t('app.tagline')),
          h('h1', { class: 'login__title', id: 'login-title' }, t('login.title')),
          h('p', { class: 'login__subtitle' }, t('login.subtitle')),
          query.get('expired') ? h('p', { class: 'notice notice--visible notice--info', role: 'status' }, t('login.sessionExpired')) : null,
          form,
          h('p', { class: 'login__footer' }, t('login.footer')),
        ),
      ),
    );
  };
}
