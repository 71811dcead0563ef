import { useEffect, useState } from 'preact/hooks';
import { api, errorText, query } from '../../api.ts';
import { t } from '../../i18n/index.ts';
import { campaignProgress, campaignUpdates, marketersConnected, watchCampaign } from '../../state/marketing-live.ts';
import type { Page } from '../../types.ts';
import { StatePill } from './campaign-list.tsx';
import type { Campaign, CampaignStats, Counts, Estimate, Recipient } from './types.ts';
import { Link, LoadState, number, useLoad, when } from './ui.tsx';

/** What a tile shows, summed from the ledger's statuses: "sent" includes what was delivered or read since. */
const TILES: { key: string; sum: (c: Counts) => number; tone?: string }[] = [
  { key: 'queued', sum: (c) => c.queued + c.sending },
  { key: 'sent', sum: (c) => c.sent + c.delivered + c.read, tone: 'ok' },
  { key: 'delivered', sum: (c) => c.delivered + c.read, tone: 'ok' },
  { key: 'failed', sum: (c) => c.failed, tone: 'bad' },
  { key: 'unsubscribed', sum: (c) => c.unsubscribed },
  { key: 'skipped', sum: (c) => c.skipped },
  { key: 'unknown', sum: (c) => c.unknown },
  { key: 'cancelled', sum: (c) => c.cancelled },
];
const OUTCOMES = ['failed', 'skipped', 'unknown', 'cancelled'] as const;

export function CampaignView({ id }: { id: number }) {
  const loaded = useLoad(() => Promise.all([api<Campaign>('GET', `/campaigns/${id}`), api<CampaignStats>('GET', `/campaigns/${id}/stats`)]), [id]);
  const [campaign, setCampaign] = useState<Campaign | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => watchCampaign(id), [id]);
  // A push, a load and an action's answer can cross: keep whichever changed last.
  const keepNewer = (next: Campaign) => setCampaign((c) => (!c || next.updatedAt >= c.updatedAt ? next : c));
  useEffect(() => {
    if (loaded.data) keepNewer(loaded.data[0]);
  }, [loaded.data]);
  const update = campaignUpdates.value[id];
  useEffect(() => {
    if (update) keepNewer(update);
  }, [update]);
  // State changes are not replayed after a reconnect: ask for the campaign again (progress is asked for by watchCampaign).
  const online = marketersConnected.value;
  useEffect(() => {
    if (online && campaign) void api<Campaign>('GET', `/campaigns/${id}`).then(keepNewer).catch(() => {});
  }, [online]);

  if (!loaded.data || !campaign) return <LoadState loading={loaded.loading} error={loaded.error} empty={false} emptyText="" retry={loaded.reload} />;
  // The newer of what REST answered and what the socket pushed.
  const pushed = campaignProgress.value[id];
  const stats = pushed && pushed.at >= loaded.data[1].at ? pushed : loaded.data[1];

  const act = async (action: 'start' | 'pause' | 'resume' | 'cancel') => {
    if (action === 'cancel' && !confirm(t('mk.cmp.cancelConfirm'))) return;
    setBusy(true);
    setActionError(null);
    try {
      keepNewer(await api<Campaign>('POST', `/campaigns/${id}/${action}`));
    } catch (error) {
      setActionError(errorText(error));
    } finally {
      setBusy(false);
    }
  };
  // The campaign's own state (kept current by `campaign.updated`): a paused campaign pushes no more progress,
  // so the last snapshot's state would still say running.
  const shownState = campaign.state;
  const pending = stats.counts.queued + stats.counts.sending;
  const done = stats.total - pending;
  const finished = shownState === 'completed' || shownState === 'cancelled';

  return (
    <div class="mk-stack mk-campaign">
      <header class="page-head">
        <Link to="/marketing/campaigns" class="mk-back">{t('mk.back')}</Link>
        <h2>{campaign.name}</h2>
        <StatePill state={shownState} />
        <span class="grow" />
        {shownState === 'draft' && <button type="button" class="primary" disabled={busy} onClick={() => void act('start')}>{campaign.scheduledAt ? t('mk.wiz.schedule') : t('mk.cmp.start')}</button>}
        {shownState === 'running' && <button type="button" disabled={busy} onClick={() => void act('pause')}>{t('mk.cmp.pause')}</button>}
        {shownState === 'paused' && <button type="button" class="primary" disabled={busy} onClick={() => void act('resume')}>{t('mk.cmp.resume')}</button>}
        {['scheduled', 'running', 'paused'].includes(shownState) && <button type="button" class="danger" disabled={busy} onClick={() => void act('cancel')}>{t('mk.cmp.cancel')}</button>}
      </header>
      {actionError && <p class="error" role="alert">{actionError}</p>}
      {shownState === 'draft' && <DraftEstimate id={id} />}
      <p class="muted">
        {campaign.scheduledAt && !campaign.startedAt && <>{t('mk.cmp.scheduledFor', { when: when(campaign.scheduledAt) })} · </>}
        {campaign.startedAt && <>{t('mk.cmp.startedAt', { when: when(campaign.startedAt) })} · </>}
        {campaign.completedAt && <>{t('mk.cmp.completedAt', { when: when(campaign.completedAt) })} · </>}
        {campaign.cancelledAt && <>{t('mk.cmp.cancelledAt', { when: when(campaign.cancelledAt) })} · </>}
        {campaign.quietHours && <>{t('mk.cmp.quiet', { start: campaign.quietHours.start, end: campaign.quietHours.end })} · </>}
        {stats.recipients === 1 ? t('mk.cmp.recipientsOne') : t('mk.cmp.recipients', { count: number(stats.recipients) })}
      </p>

      <section class="card" aria-label={finished ? t('mk.cmp.final') : t('mk.cmp.progress')}>
        <h3>{finished ? t('mk.cmp.final') : t('mk.cmp.progress')}</h3>
        <div class="mk-bar" role="progressbar" aria-label={t('mk.cmp.progress')} aria-valuemin={0} aria-valuemax={stats.total} aria-valuenow={done}>
          <span style={{ width: `${stats.total ? (100 * done) / stats.total : 0}%` }} />
        </div>
        <p role="status" class="mk-progress-text">
          {!stats.expanded && !finished && shownState !== 'draft' ? t('mk.cmp.expanding', { count: number(stats.total) }) : t('mk.cmp.done', { done: number(done), total: number(stats.total) })}
        </p>
        <dl class="mk-tiles">
          {TILES.map((tile) => (
            <div key={tile.key} class={`mk-tile ${tile.sum(stats.counts) > 0 ? (tile.tone ?? '') : ''}`} data-count={tile.key}>
              <dt>{t(`mk.count.${tile.key as 'sent'}`)}</dt>
              <dd>{number(tile.sum(stats.counts))}</dd>
            </div>
          ))}
          {campaign.trackOpens && <div class="mk-tile" data-count="opened"><dt>{t('mk.count.opened')}</dt><dd>{number(stats.counts.opened)}</dd></div>}
          {campaign.trackClicks && <div class="mk-tile" data-count="clicked"><dt>{t('mk.count.clicked')}</dt><dd>{number(stats.counts.clicked)}</dd></div>}
        </dl>
      </section>

      {stats.byChannel.length > 0 && (
        <section class="card">
          <h3>{t('mk.cmp.byChannel')}</h3>
          <table class="table">
            <thead><tr><th scope="col">{t('mk.cmp.channel')}</th>{TILES.slice(0, 6).map((tile) => <th key={tile.key} scope="col" class="num">{t(`mk.count.${tile.key as 'sent'}`)}</th>)}</tr></thead>
            <tbody>
              {stats.byChannel.map((row) => (
                <tr key={row.inboxId}>
                  <th scope="row">{row.name} <span class="muted">({row.kind})</span></th>
                  {TILES.slice(0, 6).map((tile) => <td key={tile.key} class="num">{number(tile.sum(row.counts))}</td>)}
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}

      <Outcomes id={id} stats={stats} names={Object.fromEntries(stats.byChannel.map((c) => [c.inboxId, c.name]))} />
    </div>
  );
}

/** A draft started from here gets the same confirmation the wizard gives: who would receive it now. */
function DraftEstimate({ id }: { id: number }) {
  const { data, loading, error, reload } = useLoad(() => api<Estimate>('POST', `/campaigns/${id}/estimate`), [id]);
  if (!data) return <LoadState loading={loading} error={error} empty={false} emptyText="" retry={reload} />;
  return (
    <section class="card" aria-label={t('mk.wiz.confirm')} role="status">
      <p class="mk-count">{t('mk.wiz.willReceive', { count: number(data.willReceive), matching: number(data.matching) })}</p>
      {data.skipped.length > 0 && <ul class="plain muted">{data.skipped.map((s) => <li key={s.reason}>{s.reason}: {number(s.count)}</li>)}</ul>}
    </section>
  );
}

/** The ledger rows that did not go out, with why: failures first. */
function Outcomes({ id, stats, names }: { id: number; stats: CampaignStats; names: Record<number, string> }) {
  const [status, setStatus] = useState<(typeof OUTCOMES)[number]>('failed');
  const [extra, setExtra] = useState<Recipient[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const count = stats.counts[status];
  const list = useLoad(async () => {
    const page = await api<Page<Recipient>>('GET', `/campaigns/${id}/recipients${query({ status, limit: 50 })}`);
    setExtra([]);
    setCursor(page.nextCursor);
    return page.items;
  }, [id, status, count]);
  const more = async () => {
    if (!cursor) return;
    try {
      const page = await api<Page<Recipient>>('GET', `/campaigns/${id}/recipients${query({ status, limit: 50, cursor })}`);
      setExtra((all) => [...all, ...page.items]);
      setCursor(page.nextCursor);
    } catch {
      // The button stays; trying again is the answer.
    }
  };
  const rows = [...(list.data ?? []), ...extra];
  return (
    <section class="card" aria-label={t('mk.cmp.outcomes')}>
      <div class="page-head">
        <h3>{t('mk.cmp.outcomes')}</h3>
        <span class="grow" />
        <label class="inline">{t('mk.cmp.show')}
          <select value={status} onChange={(e) => setStatus(e.currentTarget.value as (typeof OUTCOMES)[number])}>
            {OUTCOMES.map((s) => <option key={s} value={s}>{t(`mk.count.${s}`)} ({number(stats.counts[s])})</option>)}
          </select>
        </label>
      </div>
      {rows.length > 0 && (
        <table class="table">
          <thead><tr><th scope="col">{t('mk.cmp.card')}</th><th scope="col">{t('mk.cmp.address')}</th><th scope="col">{t('mk.cmp.channel')}</th><th scope="col">{t('mk.cmp.reason')}</th><th scope="col">{t('mk.cmp.when')}</th></tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <td><Link to={`/contacts/${r.contactId}`}>{r.contactName ?? t('card.unnamed')}</Link></td>
                <td class="muted">{r.address || '—'}</td>
                <td>{names[r.inboxId] ?? `#${r.inboxId}`}</td>
                <td>{r.failureReason ?? '—'}</td>
                <td class="muted">{when(r.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadState loading={list.loading && !list.data} error={list.error} empty={rows.length === 0} emptyText={t('mk.cmp.noOutcomes')} retry={list.reload} />
      {cursor && <button type="button" class="link center-block" onClick={() => void more()}>{t('common.loadMore')}</button>}
    </section>
  );
}
