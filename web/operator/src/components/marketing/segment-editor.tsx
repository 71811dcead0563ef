import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../../api.ts';
import { t } from '../../i18n/index.ts';
import { IDENTITY_KINDS, toFilter, toForm, type ActivityMode, type FieldRow, type Presence, type SegmentForm } from './segment-form.ts';
import { CUSTOM_FIELD_OPS, type CustomFieldOp, type Segment, type SegmentCount } from './types.ts';
import { Link, LoadState, number, useDebounced, useLoad } from './ui.tsx';
import { useSavedRecord } from './use-saved-record.ts';

const MONTHS = Array.from({ length: 12 }, (_, i) => new Intl.DateTimeFormat(undefined, { month: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(2000, i, 1))));

export function SegmentEditor({ id }: { id: number | 'new' }) {
  const existing = useLoad(() => (id === 'new' ? Promise.resolve(null) : api<Segment>('GET', `/segments/${id}`)), [id]);
  if (existing.loading || existing.error) return <LoadState loading={existing.loading} error={existing.error} empty={false} emptyText="" retry={existing.reload} />;
  return <Builder segment={existing.data ?? null} />;
}

function Builder({ segment: initial }: { segment: Segment | null }) {
  const { record: segment, saving, status, save: saveRecord, remove } = useSavedRecord(initial, 'segments', 'mk.seg.deleteConfirm');
  const [name, setName] = useState(segment?.name ?? '');
  const [form, setForm] = useState<SegmentForm>(() => toForm(segment?.filter));
  const set = <K extends keyof SegmentForm>(key: K, value: SegmentForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  const filter = toFilter(form);
  const settled = useDebounced(filter, 400);
  const [count, setCount] = useState<SegmentCount | null>(null);
  const [countError, setCountError] = useState<string | null>(null);
  const [counting, setCounting] = useState(true);

  useEffect(() => {
    let stale = false;
    setCounting(true);
    setCountError(null);
    api<SegmentCount>('POST', '/segments/count', { filter: settled })
      .then((answer) => !stale && setCount(answer))
      .catch((e) => !stale && setCountError(errorText(e)))
      .finally(() => !stale && setCounting(false));
    return () => void (stale = true);
  }, [JSON.stringify(settled)]);

  function save(e: Event) {
    e.preventDefault();
    void saveRecord({ name, filter });
  }
  const setRow = (i: number, change: Partial<FieldRow>) => set('fields', form.fields.map((r, j) => (j === i ? { ...r, ...change } : r)));

  return (
    <div class="mk-split">
      <form class="form mk-editor" aria-label={t('mk.seg.builder')} onSubmit={save}>
        <header class="page-head">
          <Link to="/marketing/segments" class="mk-back">{t('mk.back')}</Link>
          <h2>{segment ? segment.name : t('mk.seg.new')}</h2>
        </header>
        <label>{t('mk.name')} <input required maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} /></label>

        <fieldset class="card mk-grid">
          <legend>{t('mk.seg.tags')}</legend>
          <label>{t('mk.seg.tagsAny')} <input value={form.tagsAny} placeholder="vip, gold" onInput={(e) => set('tagsAny', e.currentTarget.value)} /></label>
          <label>{t('mk.seg.tagsAll')} <input value={form.tagsAll} onInput={(e) => set('tagsAll', e.currentTarget.value)} /></label>
          <label>{t('mk.seg.tagsNone')} <input value={form.tagsNone} onInput={(e) => set('tagsNone', e.currentTarget.value)} /></label>
        </fieldset>

        <fieldset class="card mk-grid">
          <legend>{t('mk.seg.reachable')}</legend>
          {IDENTITY_KINDS.map((kind) => (
            <label key={kind}>{t(`mk.seg.kind.${kind}`)}
              <select value={form.presence[kind]} onChange={(e) => set('presence', { ...form.presence, [kind]: e.currentTarget.value as Presence })}>
                <option value="any">{t('mk.seg.presence.any')}</option>
                <option value="has">{t('mk.seg.presence.has')}</option>
                <option value="hasNot">{t('mk.seg.presence.hasNot')}</option>
              </select>
            </label>
          ))}
        </fieldset>

        <fieldset class="card mk-rows">
          <legend>{t('mk.seg.fields')}</legend>
          {form.fields.length === 0 && <p class="muted">{t('mk.seg.noFields')}</p>}
          {form.fields.map((row, i) => (
            <div key={i} class="mk-row">
              <input aria-label={t('mk.seg.fieldName', { n: i + 1 })} placeholder={t('card.fieldKey')} value={row.field} onInput={(e) => setRow(i, { field: e.currentTarget.value })} />
              <select aria-label={t('mk.seg.fieldOp', { n: i + 1 })} value={row.op} onChange={(e) => setRow(i, { op: e.currentTarget.value as CustomFieldOp })}>
                {CUSTOM_FIELD_OPS.map((op) => <option key={op} value={op}>{t(`mk.op.${op}`)}</option>)}
              </select>
              {row.op !== 'exists' && row.op !== 'notExists' && <input aria-label={t('mk.seg.fieldValue', { n: i + 1 })} placeholder={row.op === 'in' ? t('mk.seg.commaValues') : t('card.fieldValue')} value={row.value} onInput={(e) => setRow(i, { value: e.currentTarget.value })} />}
              <button type="button" class="pill-x" aria-label={t('mk.seg.removeField', { n: i + 1 })} onClick={() => set('fields', form.fields.filter((_, j) => j !== i))}>×</button>
            </div>
          ))}
          <button type="button" class="link" onClick={() => set('fields', [...form.fields, { field: '', op: 'eq', value: '' }])}>{t('mk.seg.addField')}</button>
        </fieldset>

        <fieldset class="card mk-grid">
          <legend>{t('mk.seg.dates')}</legend>
          <label>{t('mk.seg.activity')}
            <select value={form.activity} onChange={(e) => set('activity', e.currentTarget.value as ActivityMode)}>
              <option value="any">{t('mk.seg.activity.any')}</option>
              <option value="within">{t('mk.seg.activity.within')}</option>
              <option value="older">{t('mk.seg.activity.older')}</option>
              <option value="never">{t('mk.seg.activity.never')}</option>
            </select>
          </label>
          {(form.activity === 'within' || form.activity === 'older') && <label>{t('mk.seg.days')} <input type="number" min={0} max={36500} value={form.activityDays} onInput={(e) => set('activityDays', e.currentTarget.value)} /></label>}
          <label>{t('mk.seg.createdAfter')} <input type="date" value={form.createdAfter} onInput={(e) => set('createdAfter', e.currentTarget.value)} /></label>
          <label>{t('mk.seg.createdBefore')} <input type="date" value={form.createdBefore} onInput={(e) => set('createdBefore', e.currentTarget.value)} /></label>
          <label>{t('mk.seg.languages')} <input value={form.languages} placeholder="de, en" onInput={(e) => set('languages', e.currentTarget.value)} /></label>
        </fieldset>

        <fieldset class="card">
          <legend>{t('mk.seg.birthday')}</legend>
          <div class="checks mk-months">
            {MONTHS.map((label, i) => (
              <label key={i}><input type="checkbox" checked={form.months.includes(i + 1)} onChange={(e) => set('months', e.currentTarget.checked ? [...form.months, i + 1] : form.months.filter((m) => m !== i + 1))} /> {label}</label>
            ))}
          </div>
        </fieldset>

        <div class="dialog-bar">
          <button type="submit" class="primary" disabled={saving}>{t('common.save')}</button>
          {segment && <button type="button" class="danger" onClick={() => void remove()}>{t('common.delete')}</button>}
          {status && <span class={status.ok ? 'ok' : 'error'} role={status.ok ? 'status' : 'alert'}>{status.text}</span>}
        </div>
      </form>
      <aside class="card mk-preview" aria-label={t('mk.seg.matching')}>
        <h3>{t('mk.seg.matching')}</h3>
        {countError ? <p class="error" role="alert">{countError}</p> : (
          <>
            <p class="mk-count" role="status" aria-busy={counting}>{count ? (count.count === 1 ? t('mk.seg.countOne') : t('mk.seg.count', { count: number(count.count) })) : t('common.loading')}</p>
            {count && count.sample.length > 0 && (
              <>
                <p class="muted">{t('mk.seg.sample')}</p>
                <ul class="plain mk-sample">{count.sample.map((c) => <li key={c.id}><Link to={`/contacts/${c.id}`}>{c.name ?? t('card.unnamed')}</Link></li>)}</ul>
              </>
            )}
            {count && count.count === 0 && <p class="muted">{t('mk.seg.none')}</p>}
          </>
        )}
      </aside>
    </div>
  );
}
