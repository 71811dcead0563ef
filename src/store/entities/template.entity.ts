import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** What one channel gets from a template; see src/campaigns/template-bodies.ts for which fields each channel needs. */
export interface ChannelBody {
  /** Email subject. */
  subject?: string;
  /** Plain text: SMS, Telegram, WhatsApp, and the text alternative of an email. */
  text?: string;
  /** HTML: the email body (its text alternative is derived when `text` is absent). */
  html?: string;
  /** WhatsApp Cloud API: an approved message template, its language and body parameters (each a Liquid template). */
  whatsappTemplate?: { name: string; language: string; parameters: string[] };
}

/** Bodies by channel kind (`email`, `sms`, `telegram`, `whatsapp`…), plus `default` for any channel without its own. */
export type TemplateBodies = Partial<Record<string, ChannelBody>>;

/** A campaign message: Liquid templates per channel, checked (strictly) when saved. */
export const Template = defineEntity({
  name: 'Template',
  properties: {
    id: p.integer().primary(),
    name: p.string().unique(),
    bodies: p.json<TemplateBodies>(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export type Template = InferEntity<typeof Template>;
