import { api } from '../../api.ts';
import { t } from '../../i18n/index.ts';
import { navigate } from '../../router.ts';
import type { Template } from './types.ts';
import { Link, LoadState, useLoad, when } from './ui.tsx';

export function TemplateList() {
  const { data, loading, error, reload } = useLoad(() => api<Template[]>('GET', '/templates'));
  const items = data ?? [];
  return (
    <>
      <header class="page-head">
        <h2>{t('mk.tab.templates')}</h2>
        <span class="grow" />
        <button type="button" class="primary" onClick={() => navigate('/marketing/templates/new')}>{t('mk.tpl.new')}</button>
      </header>
      <p class="muted mk-intro">{t('mk.tpl.intro')}</p>
      {items.length > 0 && (
        <table class="table">
          <thead><tr><th scope="col">{t('mk.name')}</th><th scope="col">{t('mk.tpl.channels')}</th><th scope="col">{t('mk.updated')}</th></tr></thead>
          <tbody>
            {items.map((tpl) => (
              <tr key={tpl.id}>
                <td><Link to={`/marketing/templates/${tpl.id}`}>{tpl.name}</Link></td>
                <td>{Object.keys(tpl.bodies).map((kind) => <span key={kind} class="pill">{channelName(kind)}</span>)}</td>
                <td class="muted">{when(tpl.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadState loading={loading && !data} error={error} empty={items.length === 0} emptyText={t('mk.tpl.empty')} retry={reload} />
    </>
  );
}

/** A body's channel in words (`default` is "other channels"). */
export function channelName(kind: string): string {
  const known = { sms: t('mk.ch.sms'), email: t('mk.ch.email'), telegram: t('mk.ch.telegram'), whatsapp: t('mk.ch.whatsapp'), default: t('mk.ch.default') } as Record<string, string>;
  return known[kind] ?? kind;
}
