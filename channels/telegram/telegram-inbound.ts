import type { Message, Update, User } from 'grammy/types';
import type { InboundAttachment, InboundEdit, InboundSender, NormalizedInbound } from '../channel-adapter.ts';
import { isSkipped, type SkippedFile, type TelegramFileRef, type TelegramFiles } from './telegram-files.ts';

/** The updates we ask Telegram for (https://core.telegram.org/bots/api#update); the rest are not customer messages. */
export const ALLOWED_UPDATES = ['message', 'edited_message'] as const;

export type TelegramInbound = { type: 'message'; inbound: NormalizedInbound } | { type: 'edit'; edit: InboundEdit } | { type: 'ignored' };

/**
 * Message ids are unique only within a chat (https://core.telegram.org/bots/api#message), so ours is `<chat>:<message>`.
 * A redelivered update (a webhook retried, a poll repeated) carries the same one, and ingest stores it once.
 */
export const messageKey = (chatId: number | string, messageId: number) => `${chatId}:${messageId}`;

/** Translates one Telegram update into what the inbox stores, fetching the files it carries. */
export async function normalizeUpdate(update: Update, inboxId: number, files: TelegramFiles): Promise<TelegramInbound> {
  if (update.edited_message) {
    const m = update.edited_message;
    return { type: 'edit', edit: { inboxId, externalMessageId: messageKey(m.chat.id, m.message_id), text: m.text ?? m.caption, editedAt: new Date((m.edit_date ?? m.date) * 1000) } };
  }
  const m = update.message;
  // Service messages (someone joined, a chat photo changed) and channel posts have no customer behind them.
  if (!m || !m.from || m.from.is_bot) return { type: 'ignored' };
  const { attachments, skipped } = await fetchFiles(m, files);
  const meta: Record<string, unknown> = {};
  if (skipped.length) meta.skippedAttachments = skipped;
  if (m.location) meta.location = { latitude: m.location.latitude, longitude: m.location.longitude };
  if (m.contact) meta.contact = { phone: m.contact.phone_number, firstName: m.contact.first_name, lastName: m.contact.last_name ?? null, userId: m.contact.user_id ?? null };
  if (m.sticker?.emoji) meta.sticker = { emoji: m.sticker.emoji };
  const inbound: NormalizedInbound = {
    inboxId,
    externalMessageId: messageKey(m.chat.id, m.message_id),
    externalThreadId: String(m.chat.id),
    sender: sender(m.from, m),
    text: textOf(m),
    attachments,
    sentAt: new Date(m.date * 1000),
  };
  if (m.reply_to_message) inbound.replyToExternalId = messageKey(m.chat.id, m.reply_to_message.message_id);
  if (Object.keys(meta).length) inbound.meta = meta;
  const claim = startPayload(m.text);
  if (claim) inbound.contactClaim = claim;
  return { type: 'message', inbound };
}

function sender(from: User, m: Message): InboundSender {
  const result: InboundSender = { externalUserId: String(from.id) };
  const name = [from.first_name, from.last_name].filter(Boolean).join(' ').trim();
  if (name) result.name = name;
  if (from.username) result.username = from.username;
  // Only a contact the customer shared of themselves (the "share my phone number" button) is their phone;
  // someone else's contact card stays in the message.
  if (m.contact && m.contact.user_id === from.id) result.phone = internationalPhone(m.contact.phone_number);
  return result;
}

/** Telegram gives phones as digits without the plus (`447700900123`); E.164 wants it. */
const internationalPhone = (phone: string) => (phone.trim().startsWith('+') ? phone.trim() : `+${phone.replace(/[^0-9]/g, '')}`);

/** `/start <payload>` from a t.me/<bot>?start=<payload> link (https://core.telegram.org/bots/features#deep-linking). */
export function startPayload(text: string | undefined): string | undefined {
  const match = /^\/start(?:@[A-Za-z0-9_]+)?\s+([A-Za-z0-9_-]{1,64})\s*$/.exec(text ?? '');
  return match?.[1];
}

function textOf(m: Message): string | undefined {
  if (m.text !== undefined) return m.text;
  if (m.caption !== undefined) return m.caption;
  if (m.location) return `📍 ${m.location.latitude}, ${m.location.longitude}`;
  if (m.contact) return `👤 ${[m.contact.first_name, m.contact.last_name].filter(Boolean).join(' ')} ${internationalPhone(m.contact.phone_number)}`;
  if (m.sticker?.emoji) return m.sticker.emoji;
  return undefined;
}

/** Every file a message carries, with a name and type when Telegram gives none (photos, voice notes). */
function filesOf(m: Message): { file: TelegramFileRef; name: string; contentType: string }[] {
  const found: { file: TelegramFileRef; name: string; contentType: string }[] = [];
  // A photo comes in several sizes, smallest first: the largest is the original.
  const photo = m.photo?.at(-1);
  if (photo) found.push({ file: photo, name: 'photo.jpg', contentType: 'image/jpeg' });
  if (m.document) found.push({ file: m.document, name: 'document', contentType: 'application/octet-stream' });
  if (m.voice) found.push({ file: m.voice, name: 'voice.ogg', contentType: 'audio/ogg' });
  if (m.audio) found.push({ file: m.audio, name: 'audio.mp3', contentType: 'audio/mpeg' });
  if (m.video) found.push({ file: m.video, name: 'video.mp4', contentType: 'video/mp4' });
  if (m.video_note) found.push({ file: m.video_note, name: 'video-note.mp4', contentType: 'video/mp4' });
  if (m.animation && !m.document) found.push({ file: m.animation, name: 'animation.mp4', contentType: 'video/mp4' });
  if (m.sticker) {
    const { is_animated, is_video } = m.sticker;
    found.push({ file: m.sticker, name: is_animated ? 'sticker.tgs' : is_video ? 'sticker.webm' : 'sticker.webp', contentType: is_animated ? 'application/x-tgsticker' : is_video ? 'video/webm' : 'image/webp' });
  }
  return found;
}

async function fetchFiles(m: Message, files: TelegramFiles): Promise<{ attachments: InboundAttachment[]; skipped: SkippedFile[] }> {
  const attachments: InboundAttachment[] = [];
  const skipped: SkippedFile[] = [];
  for (const { file, name, contentType } of filesOf(m)) {
    const result = await files.fetch(file, { name, contentType });
    if (isSkipped(result)) skipped.push(result);
    else attachments.push(result);
  }
  return { attachments, skipped };
}
