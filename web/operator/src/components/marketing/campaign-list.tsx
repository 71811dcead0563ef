import { useEffect } from 'preact/hooks';
import { api } from '../../api.ts';
import { t } from '../../i18n/index.ts';
import { navigate } from '../../router.ts';
import { campaignUpdate } from '../../state/marketing-live.ts';
import type { Campaign } from './types.ts';
import { Link, LoadState, useLoad, when } from './ui.tsx';

export function StatePill({ state }: { state: string }) {
  return <span class={`pill mk-state mk-state-${state}`}>{t(`mk.state.${state as 'draft'}`)}</span>;
}

export function CampaignList() {
  const { data, setData, loading, error, reload } = useLoad(() => api<Campaign[]>('GET', '/campaigns'));
  const update = campaignUpdate.value;
  // State changes arrive over the socket: a campaign that finishes shows it here without a reload.
  useEffect(() => {
    if (!update || !data) return;
    setData(data.some((c) => c.id === update.id) ? data.map((c) => (c.id === update.id && update.updatedAt >= c.updatedAt ? update : c)) : [update, ...data]);
  }, [update]);
  const items = data ?? [];
  return (
    <>
      <header class="page-head">
        <h2>{t('mk.tab.campaigns')}</h2>
        <span class="grow" />
        <button type="button" class="primary" onClick={() => navigate('/marketing/campaigns/new')}>{t('mk.cmp.new')}</button>
      </header>
      <p class="muted mk-intro">{t('mk.cmp.intro')}</p>
      {items.length > 0 && (
        <table class="table">
          <thead><tr><th scope="col">{t('mk.name')}</th><th scope="col">{t('mk.cmp.state')}</th><th scope="col">{t('mk.cmp.starts')}</th><th scope="col">{t('mk.cmp.created')}</th></tr></thead>
          <tbody>
            {items.map((c) => (
              <tr key={c.id}>
                <td><Link to={`/marketing/campaigns/${c.id}`}>{c.name}</Link></td>
                <td><StatePill state={c.state} /></td>
                <td class="muted">{c.startedAt ? when(c.startedAt) : c.scheduledAt ? t('mk.cmp.scheduledFor', { when: when(c.scheduledAt) }) : '—'}</td>
                <td class="muted">{when(c.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadState loading={loading && !data} error={error} empty={items.length === 0} emptyText={t('mk.cmp.empty')} retry={reload} />
    </>
  );
}
