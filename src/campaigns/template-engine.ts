import { Liquid, type Template as LiquidTemplate } from 'liquidjs';
import sanitizeHtml from 'sanitize-html';
import type { ChannelBody, TemplateBodies } from '../store/entities/index.ts';

/**
 * Campaign templates in Liquid, strict: an unknown filter or a variable that is not in the card's model is an
 * error when the template is saved (found by static analysis), never a blank in a customer's message.
 * `{{ x | default: "…" }}` and `{% if x %}` may test a value that a card lacks (lenientIf).
 * HTML bodies escape every value they print; text bodies print values as they are.
 */

function engine(html: boolean): Liquid {
  const liquid = new Liquid({ strictFilters: true, strictVariables: true, lenientIf: true, ownPropertyOnly: true, outputEscape: html ? 'escape' : undefined, cache: false });
  /** `{{ some_date | local_date: "long" }}`: a date in the card's language and timezone (styles: short, medium, long, full). */
  liquid.registerFilter('local_date', function (this: { context: { environments: Record<string, any> } }, value: unknown, style: unknown = 'long') {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) return '';
    const contact = this.context.environments.contact ?? {};
    const dateStyle = ['short', 'medium', 'long', 'full'].includes(String(style)) ? (String(style) as 'long') : 'long';
    const options: Intl.DateTimeFormatOptions = { dateStyle, timeZone: contact.timezone || 'UTC' };
    // A bare date ("1990-05-17") is a calendar day, not an instant: show it as it is written.
    if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) options.timeZone = 'UTC';
    try {
      return new Intl.DateTimeFormat(contact.language || 'en', options).format(date);
    } catch {
      return new Intl.DateTimeFormat('en', { ...options, timeZone: 'UTC' }).format(date);
    }
  });
  return liquid;
}
const textEngine = engine(false);
const htmlEngine = engine(true);

/** The fields of a card a template may use, under `contact`. */
export const CONTACT_FIELDS = ['id', 'name', 'first_name', 'email', 'phone', 'birthday', 'language', 'timezone', 'tags', 'created_at', 'custom'] as const;
/** Every name a template may start with. */
export const TEMPLATE_ROOTS = {
  contact: 'the client card: ' + CONTACT_FIELDS.map((f) => `contact.${f}`).join(', ') + ' (custom fields as contact.custom.<name>)',
  campaign: 'campaign.id, campaign.name',
  unsubscribe_url: 'the one-click unsubscribe link of this recipient',
  today: 'today\'s date where the card lives (YYYY-MM-DD)',
  now: 'the time of sending',
} as const;

/** Channel kinds a template may have a body for, plus `default` for any other. */
export const BODY_CHANNELS = ['default', 'email', 'sms', 'telegram', 'whatsapp', 'whatsapp-cloud', 'webchat', 'api', 'test'] as const;

export interface TemplateProblem {
  channel: string;
  field: string;
  message: string;
}

type Field = 'subject' | 'text' | 'html' | `parameter ${number}`;
interface CompiledField {
  field: Field;
  html: boolean;
  template: LiquidTemplate[];
}

/** A template's bodies parsed once and checked; renders many times. */
export interface CompiledTemplate {
  bodies: TemplateBodies;
  fields: Map<string, CompiledField[]>;
  /** Custom fields the template reads (filled with null on cards that lack them). */
  customFields: Set<string>;
}

/** What one recipient gets on one channel. */
export interface RenderedMessage {
  subject?: string;
  text?: string;
  html?: string;
  whatsappTemplate?: { name: string; language: string; parameters: string[] };
}

const fieldsOf = (body: ChannelBody): [Field, string, boolean][] => [
  ...(body.subject !== undefined ? [['subject', body.subject, false] as [Field, string, boolean]] : []),
  ...(body.text !== undefined ? [['text', body.text, false] as [Field, string, boolean]] : []),
  ...(body.html !== undefined ? [['html', body.html, true] as [Field, string, boolean]] : []),
  ...(body.whatsappTemplate?.parameters ?? []).map((p, i) => [`parameter ${i + 1}` as Field, p, false] as [Field, string, boolean]),
];

/** What each channel needs from its body. */
function shapeProblems(channel: string, body: ChannelBody): string[] {
  const problems: string[] = [];
  if (channel === 'email') {
    if (!body.subject?.trim()) problems.push('an email needs a subject');
    if (!body.html?.trim() && !body.text?.trim()) problems.push('an email needs an HTML or a text body');
  } else if (channel === 'whatsapp-cloud' || channel === 'whatsapp') {
    if (!body.text?.trim() && !body.whatsappTemplate) problems.push('a WhatsApp body needs text or an approved template');
  } else if (!body.text?.trim() && !body.html?.trim()) problems.push('a body needs text');
  if (channel === 'sms' && body.html !== undefined) problems.push('SMS is text only: remove the HTML body');
  return problems;
}

/**
 * Parses and checks every body. `knownCustomFields`: the custom field names present on cards; any other
 * `contact.custom.<name>` is a typo until a card has that field. Returns the compiled template, or the problems.
 */
export function compileTemplate(bodies: TemplateBodies, knownCustomFields: ReadonlySet<string> | null): { compiled?: CompiledTemplate; problems: TemplateProblem[] } {
  const problems: TemplateProblem[] = [];
  const fields = new Map<string, CompiledField[]>();
  const customFields = new Set<string>();
  const channels = Object.keys(bodies).filter((k) => bodies[k] !== undefined);
  if (channels.length === 0) problems.push({ channel: 'default', field: 'text', message: 'A template needs at least one body' });
  for (const channel of channels) {
    const body = bodies[channel]!;
    if (!(BODY_CHANNELS as readonly string[]).includes(channel)) {
      problems.push({ channel, field: '', message: `Unknown channel "${channel}"; bodies may be for: ${BODY_CHANNELS.join(', ')}` });
      continue;
    }
    for (const message of shapeProblems(channel, body)) problems.push({ channel, field: '', message });
    const compiledFields: CompiledField[] = [];
    for (const [field, source, html] of fieldsOf(body)) {
      const liquid = html ? htmlEngine : textEngine;
      let template: LiquidTemplate[];
      try {
        template = liquid.parse(source);
      } catch (error) {
        problems.push({ channel, field, message: (error as Error).message });
        continue;
      }
      for (const segments of liquid.globalVariableSegmentsSync(template)) {
        const problem = variableProblem(segments.map(String), knownCustomFields, customFields);
        if (problem) problems.push({ channel, field, message: problem });
      }
      compiledFields.push({ field, html, template });
    }
    fields.set(channel, compiledFields);
  }
  return problems.length ? { problems } : { compiled: { bodies, fields, customFields }, problems };
}

function variableProblem(path: string[], known: ReadonlySet<string> | null, used: Set<string>): string | null {
  const [root, field, sub] = path;
  const shown = path.join('.');
  if (!root || !(root in TEMPLATE_ROOTS)) return `Unknown variable "${shown}"; a template may use: ${Object.keys(TEMPLATE_ROOTS).join(', ')}`;
  if (root === 'contact') {
    if (field === undefined) return null;
    if (!(CONTACT_FIELDS as readonly string[]).includes(field)) return `Unknown variable "${shown}"; a card has: ${CONTACT_FIELDS.join(', ')}`;
    if (field === 'custom' && sub !== undefined) {
      if (known && !known.has(sub)) return `Unknown custom field "${sub}" in "${shown}": no card has it (check the spelling)`;
      used.add(sub);
    }
  }
  if (root === 'campaign' && field !== undefined && !['id', 'name'].includes(field)) return `Unknown variable "${shown}"; a campaign has: id, name`;
  return null;
}

/** The body a channel kind uses: its own, WhatsApp's for either WhatsApp kind, else the default. */
export function bodyChannelFor(compiled: CompiledTemplate, inboxKind: string): string | null {
  if (compiled.fields.has(inboxKind)) return inboxKind;
  if (inboxKind === 'whatsapp-cloud' && compiled.fields.has('whatsapp')) return 'whatsapp';
  if (inboxKind === 'whatsapp' && compiled.fields.has('whatsapp-cloud')) return 'whatsapp-cloud';
  return compiled.fields.has('default') ? 'default' : null;
}

/** Renders the body for `inboxKind` with `scope` (see render-context.ts); throws when the template has none for it. */
export async function renderFor(compiled: CompiledTemplate, inboxKind: string, scope: Record<string, unknown>): Promise<RenderedMessage> {
  const channel = bodyChannelFor(compiled, inboxKind);
  if (!channel) throw new Error(`The template has no body for ${inboxKind} (and no default)`);
  const body = compiled.bodies[channel]!;
  const out: RenderedMessage = {};
  const parameters: string[] = [];
  for (const { field, html, template } of compiled.fields.get(channel)!) {
    const value = await (html ? htmlEngine : textEngine).render(template, scope);
    if (field.startsWith('parameter ')) parameters.push(String(value).trim());
    else out[field as 'subject' | 'text' | 'html'] = field === 'subject' ? String(value).replace(/\s+/g, ' ').trim() : String(value);
  }
  if (body.whatsappTemplate) out.whatsappTemplate = { name: body.whatsappTemplate.name, language: body.whatsappTemplate.language, parameters };
  // An email always carries a text alternative: derived from the HTML when the template has none.
  if (inboxKind === 'email' && out.html !== undefined && out.text === undefined) out.text = htmlToText(out.html);
  return out;
}

export function htmlToText(html: string): string {
  const withBreaks = html.replace(/<\s*br\s*\/?>/gi, '\n').replace(/<\/\s*(p|div|h[1-6]|li|tr)\s*>/gi, '\n');
  const text = sanitizeHtml(withBreaks, { allowedTags: [], allowedAttributes: {} });
  return text.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}
