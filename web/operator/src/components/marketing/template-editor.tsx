import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../../api.ts';
import { t } from '../../i18n/index.ts';
import { navigate } from '../../router.ts';
import type { Contact } from '../../types.ts';
import { EmailFrame } from '../email-frame.tsx';
import { ContactPicker } from './contact-picker.tsx';
import { plainLiquidProblem } from './liquid-words.ts';
import { SmsCounter, SmsCountLine } from './sms-count.tsx';
import { channelName } from './template-list.tsx';
import { BODY_KINDS, type Bodies, type BodyKind, type ChannelBody, type PreviewChannel, type Template, type TemplateProblem } from './types.ts';
import { Link, LoadState, useDebounced, useLoad } from './ui.tsx';

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
  // Once a new one is saved it is edited in place (PATCH), and the address becomes its own without reloading the form.
  const [template, setCurrent] = useState(initial);
  const [name, setName] = useState(template?.name ?? '');
  const [bodies, setBodies] = useState<Bodies>(() => ({ ...template?.bodies }));
  // Bodies for channels this editor has no fields for (WhatsApp Cloud templates, web chat…) are kept as they are.
  const others: Bodies = Object.fromEntries(Object.entries(template?.bodies ?? {}).filter(([kind]) => !(BODY_KINDS as readonly string[]).includes(kind)));
  const payload = written(bodies, others);
  const settled = useDebounced(payload, 400);
  const [problems, setProblems] = useState<TemplateProblem[]>([]);
  const [saving, setSaving] = useState(false);
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);

  useEffect(() => {
    let stale = false;
    if (Object.keys(settled).length === 0) return void setProblems([]);
    api<{ problems: TemplateProblem[] }>('POST', '/templates/validate', { bodies: settled })
      .then((answer) => !stale && setProblems(answer.problems))
      .catch(() => {});
    return () => void (stale = true);
  }, [JSON.stringify(settled)]);

  const problemAt = (kind: string, field: string) => problems.filter((p) => p.channel === kind && (p.field === field || (field === '' && !p.field))).map((p) => plainLiquidProblem(p.message));
  const set = (kind: BodyKind, field: keyof ChannelBody, value: string) => setBodies((all) => ({ ...all, [kind]: { ...all[kind], [field]: value } }));

  async function save(e: Event) {
    e.preventDefault();
    setSaving(true);
    setStatus(null);
    try {
      const saved = template
        ? await api<Template>('PATCH', `/templates/${template.id}`, { name, bodies: payload })
        : await api<Template>('POST', '/templates', { name, bodies: payload });
      setStatus({ ok: true, text: t('common.saved') });
      if (!template) history.replaceState(null, '', `#/marketing/templates/${saved.id}`);
      setCurrent(saved);
    } catch (error) {
      setStatus({ ok: false, text: errorText(error) });
    } finally {
      setSaving(false);
    }
  }
  async function remove() {
    if (!template || !confirm(t('mk.tpl.deleteConfirm', { name: template.name }))) return;
    try {
      await api('DELETE', `/templates/${template.id}`);
      navigate('/marketing/templates');
    } catch (error) {
      setStatus({ ok: false, text: errorText(error) });
    }
  }

  return (
    <div class="mk-split">
      <form class="form mk-editor" aria-label={t('mk.tpl.editor')} onSubmit={save}>
        <header class="page-head">
          <Link to="/marketing/templates" class="mk-back">{t('mk.back')}</Link>
          <h2>{template ? template.name : t('mk.tpl.new')}</h2>
        </header>
        <label>{t('mk.name')} <input required maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} /></label>
        <p class="muted mk-hint">{t('mk.tpl.variables')} <code>{'{{ contact.first_name }}'}</code> <code>{'{{ contact.custom.plan | default: "basic" }}'}</code> <code>{'{{ unsubscribe_url }}'}</code></p>
        {BODY_KINDS.map((kind) => (
          <fieldset key={kind} class="card mk-body-set">
            <legend>{channelName(kind)}</legend>
            {problemAt(kind, '').map((p) => <p key={p} class="error">{p}</p>)}
            {FIELDS[kind].map((field) => {
              const fieldId = `tpl-${kind}-${field}`;
              const errors = problemAt(kind, field);
              const value = bodies[kind]?.[field] ?? '';
              const described = [errors.length ? `${fieldId}-error` : '', kind === 'sms' ? `${fieldId}-sms` : ''].filter(Boolean).join(' ') || undefined;
              const label = t(`mk.field.${field}`);
              return (
                <div key={field} class="mk-field">
                  <label for={fieldId}>{kind === 'email' ? label : t('mk.field.message')}</label>
                  {field === 'subject'
                    ? <input id={fieldId} value={value} aria-invalid={errors.length > 0} aria-describedby={described} onInput={(e) => set(kind, field, e.currentTarget.value)} />
                    : <textarea id={fieldId} rows={field === 'html' ? 6 : 3} class={field === 'html' ? 'mono' : ''} value={value} aria-invalid={errors.length > 0} aria-describedby={described} onInput={(e) => set(kind, field, e.currentTarget.value)} />}
                  {errors.length > 0 && <p class="error" id={`${fieldId}-error`} role="alert">{errors.join(' ')}</p>}
                  {kind === 'sms' && <SmsCounter text={value} id={`${fieldId}-sms`} />}
                </div>
              );
            })}
          </fieldset>
        ))}
        {problems.filter((p) => !(BODY_KINDS as readonly string[]).includes(p.channel)).map((p) => <p key={p.message} class="error">{p.channel}: {plainLiquidProblem(p.message)}</p>)}
        <div class="dialog-bar">
          <button type="submit" class="primary" disabled={saving || Object.keys(payload).length === 0}>{t('common.save')}</button>
          {template && <button type="button" class="danger" onClick={() => void remove()}>{t('common.delete')}</button>}
          {status && <span class={status.ok ? 'ok' : 'error'} role={status.ok ? 'status' : 'alert'}>{status.text}</span>}
        </div>
      </form>
      <Preview bodies={settled} valid={problems.length === 0} />
    </div>
  );
}

/** The template rendered for a real card, as each channel would send it. */
function Preview({ bodies, valid }: { bodies: Bodies; valid: boolean }) {
  const [contact, setContact] = useState<Contact | null>(null);
  const kinds = Object.keys(bodies);
  const [kind, setKind] = useState<string>('');
  const shown = kinds.includes(kind) ? kind : (kinds[0] ?? '');
  const [rendered, setRendered] = useState<PreviewChannel | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  useEffect(() => {
    setRendered(null);
    setError(null);
    if (!contact || !shown || !valid) return;
    let stale = false;
    setLoading(true);
    api<{ channels: Record<string, PreviewChannel> }>('POST', '/templates/preview', { bodies, contactId: contact.id, channel: shown })
      .then((answer) => !stale && setRendered(answer.channels[shown] ?? null))
      .catch((e) => !stale && setError(errorText(e)))
      .finally(() => !stale && setLoading(false));
    return () => void (stale = true);
  }, [contact?.id, shown, valid, JSON.stringify(bodies)]);

  return (
    <aside class="card mk-preview" aria-label={t('mk.preview.title')}>
      <h3>{t('mk.preview.title')}</h3>
      <ContactPicker chosen={contact} onChoose={setContact} />
      {kinds.length > 1 && (
        <label>{t('mk.preview.channel')} <select value={shown} onChange={(e) => setKind(e.currentTarget.value)}>{kinds.map((k) => <option key={k} value={k}>{channelName(k)}</option>)}</select></label>
      )}
      <div class="mk-rendered" aria-live="polite">
        {kinds.length === 0 ? <p class="muted">{t('mk.preview.nothing')}</p>
          : !valid ? <p class="muted">{t('mk.preview.fixFirst')}</p>
          : !contact ? <p class="muted">{t('mk.preview.pick')}</p>
          : error ? <p class="error" role="alert">{error}</p>
          : loading && !rendered ? <p class="muted">{t('common.loading')}</p>
          : rendered && (
            <>
              {rendered.subject !== undefined && <p class="msg-subject">{t('conv.subject', { subject: rendered.subject })}</p>}
              {rendered.html !== undefined ? <EmailFrame html={rendered.html} /> : rendered.text !== undefined && <p class="msg-text mk-bubble" data-testid="preview-text">{rendered.text}</p>}
              {rendered.html !== undefined && rendered.text !== undefined && <details><summary>{t('mk.preview.plain')}</summary><p class="msg-text">{rendered.text}</p></details>}
              {rendered.sms && <SmsCountLine count={rendered.sms} />}
            </>
          )}
      </div>
    </aside>
  );
}
