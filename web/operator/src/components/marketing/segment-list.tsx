import { api } from '../../api.ts';
import { t } from '../../i18n/index.ts';
import { navigate } from '../../router.ts';
import type { Segment, SegmentCount } from './types.ts';
import { Link, LoadState, number, useLoad, when } from './ui.tsx';

export function SegmentList() {
  const { data, loading, error, reload } = useLoad(() => api<Segment[]>('GET', '/segments'));
  const items = data ?? [];
  return (
    <>
      <header class="page-head">
        <h2>{t('mk.tab.segments')}</h2>
        <span class="grow" />
        <button type="button" class="primary" onClick={() => navigate('/marketing/segments/new')}>{t('mk.seg.new')}</button>
      </header>
      <p class="muted mk-intro">{t('mk.seg.intro')}</p>
      {items.length > 0 && (
        <table class="table">
          <thead><tr><th scope="col">{t('mk.name')}</th><th scope="col">{t('mk.seg.cardsNow')}</th><th scope="col">{t('mk.updated')}</th></tr></thead>
          <tbody>
            {items.map((s) => (
              <tr key={s.id}>
                <td><Link to={`/marketing/segments/${s.id}`}>{s.name}</Link></td>
                <td><SegmentSize id={s.id} /></td>
                <td class="muted">{when(s.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadState loading={loading && !data} error={error} empty={items.length === 0} emptyText={t('mk.seg.empty')} retry={reload} />
    </>
  );
}

function SegmentSize({ id }: { id: number }) {
  const { data, error } = useLoad(() => api<SegmentCount>('GET', `/segments/${id}/count`), [id]);
  if (error) return <span class="muted" title={error}>—</span>;
  return <span>{data ? number(data.count) : '…'}</span>;
}
