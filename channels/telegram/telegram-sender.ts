import { InputFile, type Api } from 'grammy';
import type { AttachmentStore } from '../../src/store/attachment-store.ts';
import type { ChannelAddress, InboundAttachment, OutboundMessage } from '../channel-adapter.ts';
import { ChannelError } from '../channel-error.ts';
import { splitText, TELEGRAM_CAPTION_LIMIT } from './split-text.ts';
import { telegramError } from './telegram-errors.ts';
import { messageKey } from './telegram-inbound.ts';

/** Photos up to 10 MB are shown inline; larger ones, and other files, go as documents (https://core.telegram.org/bots/api#sendphoto). */
const PHOTO_MAX_BYTES = 10 * 1024 * 1024;
const PHOTO_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
/** Deliveries whose parts are partly sent, remembered so a retry does not send those parts twice. */
const MAX_REMEMBERED = 1000;

type Part = { kind: 'text'; text: string } | { kind: 'file'; attachment: InboundAttachment; caption?: string };

/**
 * Sends one reply as one or more Telegram messages: its text (split at 4096 characters), then its files.
 * Text goes without `parse_mode`, so Telegram shows it exactly as written and nothing needs escaping.
 */
export class TelegramSender {
  readonly #api: Api;
  readonly #store: AttachmentStore;
  /** deliveryId → external ids of the parts already sent. */
  readonly #partial = new Map<string, string[]>();

  constructor(api: Api, store: AttachmentStore) {
    this.#api = api;
    this.#store = store;
  }

  async send(to: ChannelAddress, message: OutboundMessage): Promise<{ externalId: string }> {
    const chatId = to.externalThreadId || to.externalUserId;
    const parts = planParts(message);
    if (parts.length === 0) throw new ChannelError('REJECTED', 'Nothing to send: the message has no text and no files');
    const deliveryId = message.deliveryId ?? `msg_${message.id}`;
    const sent = this.#partial.get(deliveryId) ?? [];
    const replyTo = replyTarget(chatId, message.replyToExternalId);
    for (let i = sent.length; i < parts.length; i++) {
      try {
        // Only the first part answers the customer's message; the rest follow it.
        const id = await this.#sendPart(chatId, parts[i]!, i === 0 ? replyTo : undefined);
        sent.push(messageKey(chatId, id));
      } catch (error) {
        if (sent.length) this.#remember(deliveryId, sent);
        throw telegramError(error);
      }
    }
    this.#partial.delete(deliveryId);
    return { externalId: sent[0]! };
  }

  async #sendPart(chatId: string, part: Part, replyTo?: number): Promise<number> {
    const reply = replyTo ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } } : {};
    if (part.kind === 'text') return (await this.#api.sendMessage(chatId, part.text, { ...reply, link_preview_options: { is_disabled: true } })).message_id;
    const { attachment, caption } = part;
    const extra = { ...reply, ...(caption ? { caption } : {}) };
    let file: InputFile | string;
    let type = attachment.contentType ?? '';
    let size = attachment.size ?? 0;
    if (attachment.key) {
      const stored = await this.#store.read(attachment.key);
      if (!stored) throw new ChannelError('REJECTED', `The attachment "${attachment.name ?? attachment.key}" is no longer stored`);
      file = new InputFile(stored.data, stored.meta.name);
      type = stored.meta.contentType;
      size = stored.meta.size;
    } else if (attachment.url) {
      file = attachment.url; // Telegram fetches it itself
    } else {
      throw new ChannelError('REJECTED', 'An attachment has neither a stored file nor a URL');
    }
    if (PHOTO_TYPES.has(type) && size <= PHOTO_MAX_BYTES) return (await this.#api.sendPhoto(chatId, file, extra)).message_id;
    return (await this.#api.sendDocument(chatId, file, extra)).message_id;
  }

  #remember(deliveryId: string, sent: string[]): void {
    if (this.#partial.size >= MAX_REMEMBERED) this.#partial.delete(this.#partial.keys().next().value!);
    this.#partial.set(deliveryId, sent);
  }
}

/** One file with a short text: the text becomes its caption. Otherwise the text (in parts), then each file. */
function planParts(message: OutboundMessage): Part[] {
  const text = message.text?.trim() ? message.text : '';
  const files = message.attachments;
  if (files.length === 1 && text && text.length <= TELEGRAM_CAPTION_LIMIT) return [{ kind: 'file', attachment: files[0]!, caption: text }];
  return [...(text ? splitText(text).map((t): Part => ({ kind: 'text', text: t })) : []), ...files.map((attachment): Part => ({ kind: 'file', attachment }))];
}

/** Our external ids are `<chat>:<message>`; only a message of the same chat can be replied to. */
function replyTarget(chatId: string, externalId: string | undefined): number | undefined {
  const match = /^(-?\d+):(\d+)$/.exec(externalId ?? '');
  return match && match[1] === chatId ? Number(match[2]) : undefined;
}
