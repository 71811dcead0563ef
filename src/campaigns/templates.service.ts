import type { MikroORM } from '@mikro-orm/core';
import type { ChannelManager } from '../../channels/channel-manager.ts';
import { ChannelError } from '../../channels/channel-error.ts';
import { smsSegments } from '../../channels/sms/sms-segments.ts';
import { AppError, badRequest, notFound } from '../errors.ts';
import { inboxConfig } from '../inbox/inboxes.service.ts';
import { flushOrConflict } from '../store/flush.ts';
import { Contact, Inbox, Template, type TemplateBodies } from '../store/entities/index.ts';
import type { Clock } from './clock.ts';
import { customFieldNames } from './custom-fields.ts';
import { campaignAddress } from './recipient-address.ts';
import { renderScope, type CardForTemplate } from './render-context.ts';
import { bodyChannelFor, compileTemplate, renderFor, type CompiledTemplate, type RenderedMessage, type TemplateProblem } from './template-engine.ts';

export const templateDto = (t: Template) => ({ id: t.id, name: t.name, bodies: t.bodies, createdAt: t.createdAt.toISOString(), updatedAt: t.updatedAt.toISOString() });
export type TemplateDto = ReturnType<typeof templateDto>;

/** Where a preview's unsubscribe link points: a page that says it is only a preview. */
export const PREVIEW_TOKEN = 'preview';

/** A card loaded the way templates read it. */
export async function cardForTemplate(em: Parameters<typeof customFieldNames>[0], contactId: number): Promise<CardForTemplate | null> {
  const contact = await em.findOne(Contact, contactId, { populate: ['identities', 'tags'] });
  if (!contact) return null;
  return {
    id: contact.id,
    name: contact.name ?? null,
    birthday: contact.birthday ?? null,
    language: contact.language ?? null,
    timezone: contact.timezone ?? null,
    customFields: contact.customFields ?? {},
    createdAt: contact.createdAt,
    tags: contact.tags.getItems().map((t) => t.tag).sort(),
    identities: contact.identities.getItems().map((i) => ({ kind: i.kind, value: i.value, unreachableReason: i.unreachableReason ?? null })),
  };
}

/** Rendered bodies, with the SMS cost of every text a phone may receive. */
export interface PreviewChannel extends RenderedMessage {
  sms?: ReturnType<typeof smsSegments>;
}

/** Templates: saved only when every body parses and uses only known variables and filters; previews against real cards; test sends. */
export class TemplatesService {
  readonly #orm: MikroORM;
  readonly #channels: ChannelManager;
  readonly #clock: Clock;
  readonly #publicUrl: string;

  constructor(orm: MikroORM, channels: ChannelManager, clock: Clock, publicUrl: string) {
    this.#orm = orm;
    this.#channels = channels;
    this.#clock = clock;
    this.#publicUrl = publicUrl;
  }

  async list(): Promise<TemplateDto[]> {
    return (await this.#orm.em.fork().find(Template, {}, { orderBy: { name: 'asc' } })).map(templateDto);
  }

  async get(id: number): Promise<TemplateDto> {
    const template = await this.#orm.em.fork().findOne(Template, id);
    if (!template) throw notFound('Template');
    return templateDto(template);
  }

  /** Checks bodies without saving: what the editor shows as the marketer types. */
  async validate(bodies: TemplateBodies): Promise<{ valid: boolean; problems: TemplateProblem[] }> {
    const { problems } = compileTemplate(bodies, await customFieldNames(this.#orm.em.fork()));
    return { valid: problems.length === 0, problems };
  }

  async #checked(bodies: TemplateBodies): Promise<CompiledTemplate> {
    const { compiled, problems } = compileTemplate(bodies, await customFieldNames(this.#orm.em.fork()));
    if (!compiled) throw new AppError('VALIDATION', `The template has errors: ${problems.map((p) => `${p.channel}${p.field ? ` ${p.field}` : ''}: ${p.message}`).join('; ')}`);
    return compiled;
  }

  async create(input: { name: string; bodies: TemplateBodies }): Promise<TemplateDto> {
    await this.#checked(input.bodies);
    const em = this.#orm.em.fork();
    const template = em.create(Template, { name: input.name, bodies: input.bodies });
    await flushOrConflict(em, `A template named "${input.name}" already exists`);
    return templateDto(template);
  }

  async update(id: number, input: { name?: string; bodies?: TemplateBodies }): Promise<TemplateDto> {
    const em = this.#orm.em.fork();
    const template = await em.findOne(Template, id);
    if (!template) throw notFound('Template');
    if (input.bodies) {
      await this.#checked(input.bodies);
      template.bodies = input.bodies;
    }
    if (input.name !== undefined) template.name = input.name;
    await flushOrConflict(em, `A template named "${input.name}" already exists`);
    return templateDto(template);
  }

  async remove(id: number): Promise<void> {
    if ((await this.#orm.em.fork().nativeDelete(Template, { id })) === 0) throw notFound('Template');
  }

  /** Renders every body (or the one a channel kind would get) for a real card. Problems come back as a 400 listing them. */
  async preview(input: { templateId?: number; bodies?: TemplateBodies; contactId: number; channel?: string }): Promise<{ contactId: number; channels: Record<string, PreviewChannel> }> {
    const em = this.#orm.em.fork();
    const bodies = input.bodies ?? (input.templateId !== undefined ? (await this.get(input.templateId)).bodies : undefined);
    if (!bodies) throw badRequest('Give a templateId or bodies to preview');
    const compiled = await this.#checked(bodies);
    const card = await cardForTemplate(em, input.contactId);
    if (!card) throw notFound('Contact');
    const scope = renderScope(card, { id: 0, name: 'Preview' }, { unsubscribeUrl: `${this.#publicUrl}/unsubscribe/${PREVIEW_TOKEN}`, now: this.#clock.now(), customFields: compiled.customFields });
    const kinds = input.channel ? [input.channel] : [...compiled.fields.keys()];
    const channels: Record<string, PreviewChannel> = {};
    for (const kind of kinds) {
      const bodyChannel = bodyChannelFor(compiled, kind);
      if (!bodyChannel) throw badRequest(`The template has no body for ${kind} (and no default)`);
      const rendered: PreviewChannel = await renderFor(compiled, kind === 'default' ? 'default' : kind, scope).catch((error: Error) => {
        throw badRequest(`Rendering for this card failed: ${error.message}`);
      });
      if (rendered.text !== undefined && (kind === 'sms' || kind === 'default')) rendered.sms = smsSegments(rendered.text);
      channels[kind] = rendered;
    }
    return { contactId: card.id, channels };
  }

  /**
   * Sends the template to the marketer through one inbox, rendered for a card (their own details stand in
   * when no card is given): to `to`, or for email to the marketer's own address. Waits for the channel's answer.
   */
  async testSend(id: number, input: { inboxId: number; to?: string; contactId?: number }, actor: { id: number; name: string; email: string }) {
    const em = this.#orm.em.fork();
    const template = await em.findOne(Template, id);
    if (!template) throw notFound('Template');
    const inbox = await em.findOne(Inbox, input.inboxId);
    if (!inbox) throw notFound('Inbox');
    const to = input.to ?? (inbox.kind === 'email' ? actor.email : undefined);
    if (!to) throw badRequest(`Say where to send the test on ${inbox.kind} ("to": your own address there)`);
    const compiled = await this.#checked(template.bodies);
    if (!bodyChannelFor(compiled, inbox.kind)) throw badRequest(`The template has no body for ${inbox.kind} (and no default)`);
    const card: CardForTemplate | null = input.contactId !== undefined ? await cardForTemplate(em, input.contactId) : {
      id: 0, name: actor.name, birthday: null, language: null, timezone: null, customFields: {}, createdAt: new Date(), tags: [], identities: [{ kind: 'email', value: actor.email }],
    };
    if (!card) throw notFound('Contact');
    const scope = renderScope(card, { id: 0, name: `Test of ${template.name}` }, { unsubscribeUrl: `${this.#publicUrl}/unsubscribe/${PREVIEW_TOKEN}`, now: this.#clock.now(), customFields: compiled.customFields });
    const rendered = await renderFor(compiled, inbox.kind, scope);
    const adapter = this.#channels.adapterFor(inboxConfig(inbox));
    try {
      const { externalId } = await adapter.send(campaignAddress(inbox.id, to), {
        id: 0,
        conversationId: 0,
        deliveryId: `template-test-${id}-${Date.now()}`,
        text: rendered.text,
        html: rendered.html,
        subject: rendered.subject ? `[Test] ${rendered.subject}` : undefined,
        whatsappTemplate: rendered.whatsappTemplate,
        attachments: [],
      });
      return { sent: true, externalId, to, rendered };
    } catch (error) {
      throw new AppError('CHANNEL_FAILED', `The channel did not take the test message: ${ChannelError.from(error).message}`);
    }
  }
}
