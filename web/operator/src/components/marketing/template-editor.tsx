import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../../api.ts';
import { t } from '../../i18n/index.ts';
import type { Contact } from '../../types.ts';
import { EmailFrame } from '../email-frame.tsx';
import { ContactPicker } from './contact-picker.tsx';
import { plainLiquidProblem } from './liquid-words.ts';
import { SmsCounter, SmsCountLine } from './sms-count.tsx';
import { channelName } from './template-list.tsx';
import { BODY_KINDS, type Bodies, type BodyKind, type ChannelBody, type PreviewChannel, type Template, type TemplateProblem } from './types.ts';
import { Link, LoadState, useDebounced, useLoad } from './ui.tsx';
import { useSavedRecord } from './use-saved-record.ts';

/** The fields each channel's body has in the editor. */
const FIELDS: Record<BodyKind, (keyof ChannelBody)[]> = { sms: ['text'], email: ['subject', 'html', 'text'], telegram: ['text'], whatsapp: ['text'], default: ['text'] };

/** Only the channels that have something written, without empty fields: what the API stores. */
function written(bodies: Bodies, others: Bodies): Bodies {
  const out: Bodies = { ...others };
  for (const kind of BODY_KINDS) {
    const body: ChannelBody = {};
    for (const field of FIELDS[kind]) if (bodies[kind]?.[field]?.trim()) body[field] = bodies[kind]![field];
    if (Object.keys(body).length) out[kind] = body;
  }
  return out;
}

export function TemplateEditor({ id }: { id: number | 'new' }) {
  const existing = useLoad(() => (id === 'new' ? Promise.resolve(null) : api<Template>('GET', `/templates/${id}`)), [id]);
  if (existing.loading || existing.error) return <LoadState loading={existing.loading} error={existing.error} empty={false} emptyText="" retry={existing.reload} />;
  return <Editor template={existing.data ?? null} />;
}

function Editor({ template: initial }: { template: Template | null }) {
  const { record: template, saving, status, setStatus, save: saveRecord, remove } = useSavedRecord(initial, 'templates', 'mk.tpl.deleteConfirm');
  const [name, setName] = useState(template?.name ?? '');
  const [bodies, setBodies] = useState<Bodies>(() => ({ ...template?.bodies }));
  // Bodies for channels this editor has no fields for (WhatsApp Cloud templates, web chat…) are kept as they are.
  const others: Bodies = Object.fromEntries(Object.entries(template?.bodies ?? {}).filter(([kind]) => !(BODY_KINDS as readonly string[]).includes(kind)));
  const payload = written(bodies, others);
  const settled = useDebounced(payload, 400);
  const [problems, setProblems] = useState<TemplateProblem[]>([]);

  useEffect(() => {
    let stale = false;
    if (Object.keys(settled).length === 0) return void setProblems([]);
    api<{ problems: TemplateProblem[] }>('POST', '/templates/validate', { bodies: settled })
      .then((answer) => !stale && setProblems(answer.problems))
      .catch(() => {});
    return () => void (stale = true);
  }, [JSON.stringify(settled)]);

  const problemAt = (kind: string, field: string) => problems.filter((p) => p.channel === kind && (p.field === field || (field === '' && !p.field))).map((p) => plainLiquidProblem(p.message));
  const [tab, setTab] = useState<BodyKind>(() => BODY_KINDS.find((k) => template?.bodies[k]) ?? 'sms');
  // Arrow keys move between the channel tabs (the WAI-ARIA tabs pattern); Tab goes on into the fields.
  const onTabKey = (e: KeyboardEvent) => {
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    const next = BODY_KINDS[(BODY_KINDS.indexOf(tab) + step + BODY_KINDS.length) % BODY_KINDS.length]!;
    setTab(next);
    document.getElementById(`tpl-tab-${next}`)?.focus();
  };
  const set = (kind: BodyKind, field: keyof ChannelBody, value: string) => {
    setStatus(null);
    setBodies((all) => ({ ...all, [kind]: { ...all[kind], [field]: value } }));
  };

  function save(e: Event) {
    e.preventDefault();
    if (problems.length) return setStatus({ ok: false, text: t('mk.tpl.fixFirst') });
    void saveRecord({ name, bodies: payload });
  }

  return (
    <div class="mk-split">
      <form class="form mk-editor" aria-label={t('mk.tpl.editor')} onSubmit={save}>
        <header class="page-head">
          <Link to="/marketing/templates" class="mk-back">{t('mk.back')}</Link>
          <h2>{template ? template.name : t('mk.tpl.new')}</h2>
        </header>
        <label>{t('mk.name')} <input required maxLength={200} value={name} onInput={(e) => { setStatus(null); setName(e.currentTarget.value); }} /></label>
        <p class="muted mk-hint">{t('mk.tpl.variables')} <code>{'{{ contact.first_name }}'}</code> <code>{'{{ contact.custom.plan | default: "basic" }}'}</code> <code>{'{{ unsubscribe_url }}'}</code></p>
        <div role="tablist" class="tabs mk-tabs" aria-label={t('mk.tpl.channels')} onKeyDown={onTabKey}>
          {BODY_KINDS.map((kind) => {
            const bad = problems.some((p) => p.channel === kind);
            return (
              <button key={kind} type="button" role="tab" id={`tpl-tab-${kind}`} aria-selected={kind === tab} aria-controls="tpl-panel" tabIndex={kind === tab ? 0 : -1} class={`tab${kind === tab ? ' active' : ''}`} onClick={() => setTab(kind)}>
                {channelName(kind)}
                {bad ? <span class="mk-tab-bad" title={t('mk.tpl.hasProblems')}> !<span class="sr-only">{t('mk.tpl.hasProblems')}</span></span> : payload[kind] ? <span class="mk-tab-dot" title={t('mk.tpl.written')}> •<span class="sr-only">{t('mk.tpl.written')}</span></span> : null}
              </button>
            );
          })}
        </div>
        <div role="tabpanel" id="tpl-panel" aria-labelledby={`tpl-tab-${tab}`} class="card mk-body-set">
          {tab === 'default' && <p class="muted mk-hint">{t('mk.tpl.defaultHelp')}</p>}
          {problemAt(tab, '').map((p) => <p key={p} class="error" role="alert">{p}</p>)}
          {FIELDS[tab].map((field) => {
            const fieldId = `tpl-${tab}-${field}`;
            const errors = problemAt(tab, field);
            const value = bodies[tab]?.[field] ?? '';
            const described = [errors.length ? `${fieldId}-error` : '', tab === 'sms' ? `${fieldId}-sms` : ''].filter(Boolean).join(' ') || undefined;
            return (
              <div key={`${tab}-${field}`} class="mk-field">
                <label for={fieldId}>{tab === 'email' ? t(`mk.field.${field}`) : t('mk.field.message')}</label>
                {field === 'subject'
                  ? <input id={fieldId} value={value} aria-invalid={errors.length > 0} aria-describedby={described} onInput={(e) => set(tab, field, e.currentTarget.value)} />
                  : <textarea id={fieldId} rows={field === 'html' ? 10 : 5} class={field === 'html' ? 'mono' : ''} value={value} aria-invalid={errors.length > 0} aria-describedby={described} onInput={(e) => set(tab, field, e.currentTarget.value)} />}
                {errors.length > 0 && <p class="error" id={`${fieldId}-error`} role="alert">{errors.join(' ')}</p>}
                {tab === 'sms' && <SmsCounter text={value} id={`${fieldId}-sms`} />}
              </div>
            );
          })}
        </div>
        {problems.filter((p) => !(BODY_KINDS as readonly string[]).includes(p.channel)).map((p) => <p key={p.message} class="error">{p.channel}: {plainLiquidProblem(p.message)}</p>)}
        <div class="dialog-bar">
          <button type="submit" class="primary" disabled={saving || Object.keys(payload).length === 0}>{t('common.save')}</button>
          {template && <button type="button" class="danger" onClick={() => void remove()}>{t('common.delete')}</button>}
          {status && <span class={status.ok ? 'ok' : 'error'} role={status.ok ? 'status' : 'alert'}>{status.text}</span>}
        </div>
      </form>
      <Preview bodies={settled} valid={problems.length === 0} channel={tab} />
    </div>
  );
}

/** The template rendered for a real card, as each channel would send it. */
function Preview({ bodies, valid, channel }: { bodies: Bodies; valid: boolean; channel: BodyKind }) {
  const [contact, setContact] = useState<Contact | null>(null);
  // The tab's own body, else what that channel would get instead: the "other channels" one.
  const shown = bodies[channel] ? channel : bodies.default ? 'default' : '';
  const [rendered, setRendered] = useState<PreviewChannel | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  useEffect(() => {
    setRendered(null);
    setError(null);
    if (!contact || !shown || !valid) return;
    let stale = false;
    setLoading(true);
    // For an SMS the preview asks as the SMS channel, so the count is of the rendered text.
    api<{ channels: Record<string, PreviewChannel> }>('POST', '/templates/preview', { bodies, contactId: contact.id, channel: channel === 'default' ? 'default' : channel })
      .then((answer) => !stale && setRendered(Object.values(answer.channels)[0] ?? null))
      .catch((e) => !stale && setError(errorText(e)))
      .finally(() => !stale && setLoading(false));
    return () => void (stale = true);
  }, [contact?.id, shown, channel, valid, JSON.stringify(bodies)]);

  return (
    <aside class="card mk-preview" aria-label={t('mk.preview.title')}>
      <h3>{t('mk.preview.title')} · {channelName(channel)}</h3>
      <ContactPicker chosen={contact} onChoose={setContact} />
      <div class="mk-rendered" aria-live="polite">
        {shown && shown !== channel && <p class="muted mk-hint">{t('mk.preview.fallback', { channel: channelName(channel) })}</p>}
        {!shown ? <p class="muted">{t('mk.preview.nothing', { channel: channelName(channel) })}</p>
          : !valid ? <p class="muted">{t('mk.preview.fixFirst')}</p>
          : !contact ? <p class="muted">{t('mk.preview.pick')}</p>
          : error ? <p class="error" role="alert">{error}</p>
          : loading && !rendered ? <p class="muted">{t('common.loading')}</p>
          : rendered && (
            <>
              {rendered.subject !== undefined && <p class="msg-subject">{t('conv.subject', { subject: rendered.subject })}</p>}
              {rendered.html !== undefined ? <EmailFrame html={rendered.html} /> : rendered.text !== undefined && <p class="msg-text mk-bubble" data-testid="preview-text">{rendered.text}</p>}
              {rendered.html !== undefined && rendered.text !== undefined && <details><summary>{t('mk.preview.plain')}</summary><p class="msg-text">{rendered.text}</p></details>}
              {channel === 'sms' && rendered.sms && <SmsCountLine count={rendered.sms} />}
            </>
          )}
      </div>
    </aside>
  );
}
