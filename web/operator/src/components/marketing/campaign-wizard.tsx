import { useState } from 'preact/hooks';
import { api, errorText } from '../../api.ts';
import { t } from '../../i18n/index.ts';
import { navigate } from '../../router.ts';
import { channelName } from './template-list.tsx';
import type { Campaign, CampaignChannel, Estimate, Segment, Template } from './types.ts';
import { Link, LoadState, number, useLoad } from './ui.tsx';

const STEPS = ['message', 'audience', 'channels', 'timing', 'confirm'] as const;
type Step = (typeof STEPS)[number];
const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const zones: string[] = (() => {
  try {
    return (Intl as unknown as { supportedValuesOf(key: string): string[] }).supportedValuesOf('timeZone');
  } catch {
    return [localZone, 'UTC'];
  }
})();

/** The body a channel kind would get from a template (its own, WhatsApp's for either kind, else the default). */
const hasBodyFor = (template: Template | undefined, kind: string) =>
  !template || !!template.bodies[kind] || !!template.bodies.default || (kind.startsWith('whatsapp') && !!(template.bodies.whatsapp || template.bodies['whatsapp-cloud']));

export function CampaignWizard() {
  const refs = useLoad(() => Promise.all([api<Template[]>('GET', '/templates'), api<Segment[]>('GET', '/segments'), api<CampaignChannel[]>('GET', '/campaigns/channels')]));
  if (refs.loading || refs.error || !refs.data) return <LoadState loading={refs.loading} error={refs.error} empty={false} emptyText="" retry={refs.reload} />;
  const [templates, segments, channels] = refs.data;
  return <Wizard templates={templates} segments={segments} channels={channels} />;
}

function Wizard({ templates, segments, channels }: { templates: Template[]; segments: Segment[]; channels: CampaignChannel[] }) {
  const [step, setStep] = useState<Step>('message');
  const [name, setName] = useState('');
  const [templateId, setTemplateId] = useState<number | null>(templates[0]?.id ?? null);
  const [segmentId, setSegmentId] = useState<number | null>(segments[0]?.id ?? null);
  const [chosen, setChosen] = useState<number[]>([]);
  const [later, setLater] = useState(false);
  const [scheduledAt, setScheduledAt] = useState('');
  const [timezone, setTimezone] = useState(localZone);
  const [quiet, setQuiet] = useState(false);
  const [quietStart, setQuietStart] = useState('21:00');
  const [quietEnd, setQuietEnd] = useState('08:00');
  const [requireOptIn, setRequireOptIn] = useState(false);
  const [draft, setDraft] = useState<Campaign | null>(null);
  const [estimate, setEstimate] = useState<Estimate | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const template = templates.find((x) => x.id === templateId);
  const channelOf = (id: number) => channels.find((c) => c.id === id);
  const index = STEPS.indexOf(step);

  function problem(): string | null {
    if (step === 'message' && !name.trim()) return t('mk.wiz.needName');
    if (step === 'message' && !templateId) return t('mk.wiz.needTemplate');
    if (step === 'channels' && chosen.length === 0) return t('mk.wiz.needChannel');
    if (step === 'timing' && later && !scheduledAt) return t('mk.wiz.needTime');
    if (step === 'timing' && quiet && quietStart === quietEnd) return t('mk.wiz.quietSame');
    return null;
  }

  async function next(e: Event) {
    e.preventDefault();
    // Enter on the confirmation does nothing: starting takes the button, never a stray key press.
    if (step === 'confirm') return;
    const wrong = problem();
    if (wrong) return setError(wrong);
    setError(null);
    if (step !== 'timing') return setStep(STEPS[index + 1]!);
    // Entering the confirmation: save the draft and ask the server how many would receive it now.
    setBusy(true);
    try {
      const body = { name: name.trim(), templateId, segmentId, channels: chosen, scheduledAt: later ? scheduledAt : null, timezone, quietHours: quiet ? { start: quietStart, end: quietEnd } : null, requireOptIn };
      const saved = draft ? await api<Campaign>('PATCH', `/campaigns/${draft.id}`, body) : await api<Campaign>('POST', '/campaigns', body);
      setDraft(saved);
      setEstimate(null);
      setStep('confirm');
      setEstimate(await api<Estimate>('POST', `/campaigns/${saved.id}/estimate`));
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  }

  async function start() {
    if (!draft) return;
    setBusy(true);
    setError(null);
    try {
      await api('POST', `/campaigns/${draft.id}/start`);
      navigate(`/marketing/campaigns/${draft.id}`);
    } catch (failure) {
      setError(errorText(failure));
      setBusy(false);
    }
  }

  const move = (i: number, by: number) => {
    const next = [...chosen];
    [next[i], next[i + by]] = [next[i + by]!, next[i]!];
    setChosen(next);
  };

  return (
    <form class="form mk-wizard" aria-label={t('mk.cmp.new')} onSubmit={next} onChange={() => step !== 'confirm' && setError(null)}>
      <header class="page-head">
        <Link to="/marketing/campaigns" class="mk-back">{t('mk.back')}</Link>
        <h2>{t('mk.cmp.new')}</h2>
      </header>
      <ol class="mk-steps" aria-label={t('mk.wiz.steps')}>
        {STEPS.map((s, i) => (
          <li key={s} class={s === step ? 'current' : i < index ? 'done' : ''} aria-current={s === step ? 'step' : undefined}>
            {i < index ? <button type="button" class="link" onClick={() => setStep(s)}>{t(`mk.wiz.${s}`)}</button> : t(`mk.wiz.${s}`)}
          </li>
        ))}
      </ol>

      {step === 'message' && (
        <fieldset class="card mk-stack">
          <legend>{t('mk.wiz.message')}</legend>
          <label>{t('mk.wiz.name')} <input required autoFocus maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} /></label>
          {templates.length === 0
            ? <p class="muted">{t('mk.wiz.noTemplates')} <Link to="/marketing/templates/new">{t('mk.tpl.new')}</Link></p>
            : <label>{t('mk.wiz.template')} <select value={templateId ?? ''} onChange={(e) => setTemplateId(Number(e.currentTarget.value) || null)}>{templates.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}</select></label>}
          {template && <p class="muted">{t('mk.wiz.templateHas', { channels: Object.keys(template.bodies).map(channelName).join(', ') })}</p>}
        </fieldset>
      )}

      {step === 'audience' && (
        <fieldset class="card mk-stack">
          <legend>{t('mk.wiz.audience')}</legend>
          <label>{t('mk.wiz.segment')}
            <select value={segmentId ?? ''} onChange={(e) => setSegmentId(Number(e.currentTarget.value) || null)}>
              {segments.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
              <option value="">{t('mk.wiz.everyone')}</option>
            </select>
          </label>
          {segments.length === 0 && <p class="muted">{t('mk.wiz.noSegments')} <Link to="/marketing/segments/new">{t('mk.seg.new')}</Link></p>}
        </fieldset>
      )}

      {step === 'channels' && (
        <fieldset class="card mk-stack">
          <legend>{t('mk.wiz.channels')}</legend>
          <p class="muted">{t('mk.wiz.channelsHelp')}</p>
          {channels.length === 0 && <p class="muted">{t('mk.wiz.noChannels')}</p>}
          <div class="checks">
            {channels.map((c) => (
              <label key={c.id}><input type="checkbox" checked={chosen.includes(c.id)} onChange={(e) => setChosen(e.currentTarget.checked ? [...chosen, c.id] : chosen.filter((x) => x !== c.id))} /> {c.name} <span class="muted">({c.kind})</span></label>
            ))}
          </div>
          {chosen.length > 0 && (
            <>
              <h3>{t('mk.wiz.order')}</h3>
              <ol class="mk-order">
                {chosen.map((id, i) => {
                  const c = channelOf(id);
                  return (
                    <li key={id}>
                      <span class="grow">{c?.name ?? `#${id}`} <span class="muted">({c?.kind})</span></span>
                      {c && !hasBodyFor(template, c.kind) && <span class="error">{t('mk.wiz.noBody')}</span>}
                      <button type="button" disabled={i === 0} aria-label={t('mk.wiz.up', { name: c?.name ?? '' })} onClick={() => move(i, -1)}>↑</button>
                      <button type="button" disabled={i === chosen.length - 1} aria-label={t('mk.wiz.down', { name: c?.name ?? '' })} onClick={() => move(i, 1)}>↓</button>
                    </li>
                  );
                })}
              </ol>
            </>
          )}
        </fieldset>
      )}

      {step === 'timing' && (
        <fieldset class="card mk-stack">
          <legend>{t('mk.wiz.timing')}</legend>
          <div class="checks" role="radiogroup" aria-label={t('mk.wiz.when')}>
            <label><input type="radio" name="when" checked={!later} onChange={() => setLater(false)} /> {t('mk.wiz.now')}</label>
            <label><input type="radio" name="when" checked={later} onChange={() => setLater(true)} /> {t('mk.wiz.later')}</label>
          </div>
          {later && (
            <div class="mk-grid">
              <label>{t('mk.wiz.at')} <input type="datetime-local" required value={scheduledAt} onInput={(e) => setScheduledAt(e.currentTarget.value)} /></label>
              <label>{t('mk.wiz.timezone')} <select value={timezone} onChange={(e) => setTimezone(e.currentTarget.value)}>{zones.map((z) => <option key={z} value={z}>{z}</option>)}</select></label>
            </div>
          )}
          <label class="mk-check"><input type="checkbox" checked={quiet} onChange={(e) => setQuiet(e.currentTarget.checked)} /> {t('mk.wiz.quiet')}</label>
          {quiet && (
            <div class="mk-grid">
              <label>{t('mk.wiz.quietFrom')} <input type="time" value={quietStart} onInput={(e) => setQuietStart(e.currentTarget.value)} /></label>
              <label>{t('mk.wiz.quietTo')} <input type="time" value={quietEnd} onInput={(e) => setQuietEnd(e.currentTarget.value)} /></label>
              <p class="muted mk-wide">{t('mk.wiz.quietHelp')}</p>
            </div>
          )}
          <label class="mk-check"><input type="checkbox" checked={requireOptIn} onChange={(e) => setRequireOptIn(e.currentTarget.checked)} /> {t('mk.wiz.optIn')}</label>
        </fieldset>
      )}

      {step === 'confirm' && (
        <section class="card mk-stack" aria-label={t('mk.wiz.confirm')}>
          <h3>{t('mk.wiz.confirm')}</h3>
          <dl class="mk-summary">
            <dt>{t('mk.wiz.name')}</dt><dd>{name}</dd>
            <dt>{t('mk.wiz.template')}</dt><dd>{template?.name}</dd>
            <dt>{t('mk.wiz.segment')}</dt><dd>{segments.find((s) => s.id === segmentId)?.name ?? t('mk.wiz.everyone')}</dd>
            <dt>{t('mk.wiz.channels')}</dt><dd>{chosen.map((id) => channelOf(id)?.name).join(' → ')}</dd>
            <dt>{t('mk.wiz.when')}</dt><dd>{later ? t('mk.wiz.atIn', { at: scheduledAt.replace('T', ' '), zone: timezone }) : t('mk.wiz.now')}</dd>
            {quiet && <><dt>{t('mk.wiz.quiet')}</dt><dd>{quietStart}–{quietEnd}</dd></>}
          </dl>
          {!estimate ? <p class="muted" role="status">{t('mk.wiz.estimating')}</p> : (
            <div role="status">
              <p class="mk-count">{t('mk.wiz.willReceive', { count: number(estimate.willReceive), matching: number(estimate.matching) })}</p>
              <ul class="plain">
                {estimate.byChannel.map((b) => <li key={b.inboxId}>{t('mk.wiz.byChannel', { name: channelOf(b.inboxId)?.name ?? b.kind, count: number(b.recipients) })}</li>)}
              </ul>
              {estimate.skipped.length > 0 && (
                <>
                  <p class="muted">{t('mk.wiz.skipped')}</p>
                  <ul class="plain muted">{estimate.skipped.map((s) => <li key={s.reason}>{s.reason}: {number(s.count)}</li>)}</ul>
                </>
              )}
            </div>
          )}
        </section>
      )}

      {error && <p class="error" role="alert">{error}</p>}
      <div class="dialog-bar">
        {index > 0 && <button type="button" onClick={() => { setError(null); setStep(STEPS[index - 1]!); }}>{t('mk.wiz.back')}</button>}
        {step !== 'confirm'
          ? <button type="submit" class="primary" disabled={busy}>{t('mk.wiz.next')}</button>
          : <button type="button" class="primary" disabled={busy || !estimate || estimate.willReceive === 0} onClick={() => void start()}>{later ? t('mk.wiz.schedule') : t('mk.wiz.start', { count: number(estimate?.willReceive ?? 0) })}</button>}
        {draft && <span class="muted">{t('mk.wiz.draftSaved')}</span>}
      </div>
    </form>
  );
}
