import { createHmac, timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ChannelAdapter, ChannelAddress, InboundAttachment, InboundSink, InboxConfig, OutboundMessage, WebhookRequest, WebhookResponse } from '../channel-adapter.ts';
import { ChannelError } from '../channel-error.ts';
import type { AdapterContext } from '../registry.ts';
import { changesFor, normaliseMessage, normaliseStatus, type CloudMedia, type CloudWebhook } from './cloud-webhook-payload.ts';
import { GraphClient } from './graph-client.ts';
import { whatsappCloudSettings, type WhatsAppCloudSettings } from './whatsapp-cloud-settings.ts';

/** One approved message template, as the UI's picker shows it. */
export interface WhatsAppTemplate {
  name: string;
  language: string;
  category?: string;
  /** The body text with its {{1}}, {{2}}… placeholders. */
  body?: string;
  /** How many {{n}} parameters the body takes. */
  parameterCount: number;
}

/** `sha256=<hex>` of the raw body with the app secret, as Meta signs webhooks. */
export function signWebhook(appSecret: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

function signatureMatches(expected: string, given: string | string[] | undefined): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  // Constant-time: a forger learns nothing from how long the comparison took.
  return a.length === b.length && timingSafeEqual(a, b);
}

const mediaType = (contentType: string): 'image' | 'video' | 'audio' | 'document' =>
  /^image\/(jpeg|png)$/.test(contentType) ? 'image' : contentType.startsWith('video/') ? 'video' : contentType.startsWith('audio/') ? 'audio' : 'document';

/**
 * The official WhatsApp Business Cloud API. Inbound arrives by webhook (signed with the app secret), so any
 * process receives; replies go out through the Graph API. Free-form replies are allowed only within 24 hours
 * of the customer's last message (`replyWindowHours`); after that only approved templates
 * (https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-message-templates).
 */
export class WhatsAppCloudAdapter implements ChannelAdapter {
  readonly kind = 'whatsapp-cloud' as const;
  readonly capabilities = { html: false, attachments: true, typing: false, receipts: true, replyWindowHours: 24 };
  readonly #inbox: InboxConfig;
  readonly #context: AdapterContext;
  #sink?: InboundSink;

  constructor(inbox: InboxConfig, context: AdapterContext) {
    this.#inbox = inbox;
    this.#context = context;
  }

  #settings(): WhatsAppCloudSettings {
    return whatsappCloudSettings(this.#inbox);
  }

  #graph(settings = this.#settings()): GraphClient {
    return new GraphClient(settings, this.#context.callbackTimeoutMs);
  }

  async start(sink: InboundSink): Promise<void> {
    this.#sink = sink;
  }

  async stop(): Promise<void> {
    this.#sink = undefined;
  }

  async webhook(request: WebhookRequest): Promise<WebhookResponse> {
    let settings: WhatsAppCloudSettings;
    try {
      settings = this.#settings();
    } catch (error) {
      return { status: 503, body: { error: { code: 'UNAVAILABLE', message: (error as Error).message } } };
    }
    if (request.method === 'GET') {
      // The verification handshake: echo the challenge only to someone who knows our verify token.
      const { 'hub.mode': mode, 'hub.verify_token': token, 'hub.challenge': challenge } = request.query;
      if (mode === 'subscribe' && token !== undefined && signatureMatches(settings.verifyToken, token) && challenge) return { status: 200, body: challenge };
      return { status: 403, body: { error: { code: 'FORBIDDEN', message: 'Wrong hub.verify_token' } } };
    }
    // The signature is over the exact bytes Meta sent; parsing first could change them.
    if (!signatureMatches(signWebhook(settings.appSecret, request.rawBody), request.headers['x-hub-signature-256'])) {
      return { status: 401, body: { error: { code: 'UNAUTHENTICATED', message: 'Bad or missing X-Hub-Signature-256' } } };
    }
    let payload: CloudWebhook;
    try {
      payload = JSON.parse(request.rawBody.toString('utf8')) as CloudWebhook;
    } catch {
      return { status: 400, body: { error: { code: 'BAD_REQUEST', message: 'The body is not JSON' } } };
    }
    const sink = this.#sink;
    if (!sink) return { status: 503, body: { error: { code: 'UNAVAILABLE', message: 'This inbox is not receiving' } } };
    const graph = this.#graph(settings);
    // A failure here answers 500, so Meta delivers again; ingest deduplicates what was already stored.
    for (const value of changesFor(payload, settings.phoneNumberId)) {
      for (const message of value.messages ?? []) {
        await sink.message(await normaliseMessage(this.#inbox.id, value, message, (media, kind) => this.#download(graph, media, kind)));
      }
      for (const status of value.statuses ?? []) {
        const event = normaliseStatus(this.#inbox.id, status);
        if (event) await sink.status(event);
      }
    }
    return { status: 200, body: { ok: true } };
  }

  /** Media ids resolve to a short-lived URL that itself needs the token: https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media */
  async #download(graph: GraphClient, media: CloudMedia, kind: string): Promise<InboundAttachment> {
    const { attachments } = this.#context;
    const info = await graph.json<{ url: string; mime_type?: string; file_size?: number }>(encodeURIComponent(media.id));
    if (info.file_size && info.file_size > attachments.maxBytes) throw new Error(`the file is larger than the ${Math.round(attachments.maxBytes / 1024 / 1024)} MB limit`);
    const response = await graph.request(info.url);
    const contentType = media.mime_type ?? info.mime_type ?? response.headers.get('content-type') ?? 'application/octet-stream';
    const extension = contentType.split('/')[1]?.split(';')[0] ?? 'bin';
    const stored = await attachments.save(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), { name: media.filename ?? `${kind}.${extension}`, contentType });
    return { key: stored.key, name: stored.name, contentType: stored.contentType, size: stored.size };
  }

  async send(to: ChannelAddress, message: OutboundMessage): Promise<{ externalId: string }> {
    const settings = this.#settings();
    const graph = this.#graph(settings);
    const base = { messaging_product: 'whatsapp', recipient_type: 'individual', to: to.externalUserId.replace(/^\+/, ''), ...(message.replyToExternalId ? { context: { message_id: message.replyToExternalId } } : {}) };
    const post = async (body: Record<string, unknown>) => {
      const answer = await graph.json<{ messages?: { id: string }[] }>(`${settings.phoneNumberId}/messages`, { json: { ...base, ...body } });
      const id = answer.messages?.[0]?.id;
      if (!id) throw new ChannelError('TEMPORARY', 'The Graph API accepted the message but returned no id');
      return id;
    };
    if (message.whatsappTemplate) {
      const { name, language, parameters } = message.whatsappTemplate;
      const components = parameters.length ? [{ type: 'body', parameters: parameters.map((text) => ({ type: 'text', text })) }] : [];
      return { externalId: await post({ type: 'template', template: { name, language: { code: language }, components } }) };
    }
    // WhatsApp carries one file per message: the text rides as the first file's caption (documents and media take one).
    const ids: string[] = [];
    let caption = message.text?.trim() ? message.text : undefined;
    for (const attachment of message.attachments) {
      const media = await this.#media(graph, settings, attachment);
      const type = mediaType(attachment.contentType ?? '');
      const captioned = caption !== undefined && type !== 'audio';
      ids.push(await post({ type, [type]: { ...media, ...(captioned ? { caption } : {}), ...(type === 'document' && attachment.name ? { filename: attachment.name } : {}) } }));
      if (captioned) caption = undefined;
    }
    if (caption !== undefined) ids.unshift(await post({ type: 'text', text: { body: caption, preview_url: false } }));
    if (ids.length === 0) throw new ChannelError('REJECTED', 'Nothing to send: the message has no text, file or template');
    return { externalId: ids[0]! };
  }

  /** A file we keep is uploaded first (media id); one that lives at a URL is sent by link. */
  async #media(graph: GraphClient, settings: WhatsAppCloudSettings, attachment: InboundAttachment): Promise<{ id: string } | { link: string }> {
    if (!attachment.key) {
      if (!attachment.url) throw new ChannelError('REJECTED', 'An attachment has neither a stored file nor a URL');
      return { link: attachment.url };
    }
    const file = await this.#context.attachments.read(attachment.key);
    if (!file) throw new ChannelError('REJECTED', `The attachment ${attachment.name ?? attachment.key} is no longer stored`);
    const form = new FormData();
    form.set('messaging_product', 'whatsapp');
    form.set('type', file.meta.contentType);
    form.set('file', new Blob([new Uint8Array(file.data)], { type: file.meta.contentType }), file.meta.name);
    const { id } = await graph.json<{ id: string }>(`${settings.phoneNumberId}/media`, { form });
    return { id };
  }

  /** Approved templates of the business account, for the reply box's picker once the 24-hour window has closed. */
  async templates(): Promise<WhatsAppTemplate[]> {
    const settings = this.#settings();
    if (!settings.businessAccountId) throw new ChannelError('REJECTED', 'Set settings.businessAccountId (the WhatsApp Business Account id) to list its templates');
    const graph = this.#graph(settings);
    const templates: WhatsAppTemplate[] = [];
    let next: string | undefined = `${settings.businessAccountId}/message_templates?status=APPROVED&fields=name,language,status,category,components&limit=100`;
    // Follow the cursor, but not forever: a few pages are more templates than any picker shows.
    for (let page = 0; next && page < 10; page++) {
      const answer: { data?: { name: string; language: string; status?: string; category?: string; components?: { type: string; text?: string }[] }[]; paging?: { next?: string } } = await graph.json(next);
      for (const t of answer.data ?? []) {
        if (t.status && t.status !== 'APPROVED') continue;
        const body = t.components?.find((c) => c.type === 'BODY')?.text;
        templates.push({ name: t.name, language: t.language, category: t.category, body, parameterCount: new Set(body?.match(/\{\{\s*\d+\s*\}\}/g) ?? []).size });
      }
      next = answer.paging?.next;
    }
    return templates;
  }

  /** Reads the phone number's profile: proves the token and id are right, and names the inbox. */
  async verify(): Promise<{ displayName?: string }> {
    const settings = this.#settings();
    const answer = await this.#graph(settings).json<{ display_phone_number?: string; verified_name?: string }>(`${encodeURIComponent(settings.phoneNumberId)}?fields=display_phone_number,verified_name`);
    const displayName = [answer.verified_name, answer.display_phone_number].filter(Boolean).join(' ');
    return displayName ? { displayName } : {};
  }
}
