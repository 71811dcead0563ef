import type { InboundAttachment, NormalizedInbound } from '../channel-adapter.ts';
import type { AttachmentStore } from '../../src/store/attachment-store.ts';
import type { WebMessage } from './whatsapp-client.ts';

const MEDIA_TYPES = new Set(['image', 'video', 'audio', 'ptt', 'document', 'sticker']);
/** Protocol and system messages that are not something a customer wrote. */
const SYSTEM_TYPES = new Set(['e2e_notification', 'notification', 'notification_template', 'gp2', 'protocol', 'call_log', 'ciphertext', 'revoked', 'broadcast_notification', 'unknown']);

/** `4915112345678@c.us` → `+4915112345678`; a `@lid` or group id has no phone in it. */
export function phoneOfChatId(chatId: string): string | undefined {
  const match = /^(\d{6,15})@c\.us$/.exec(chatId);
  return match ? `+${match[1]}` : undefined;
}

/** The chat to send to: a stored chat id as is, or a phone (a campaign's card identity) as its `@c.us` id. */
export function chatIdFor(thread: string): string {
  return thread.includes('@') ? thread : `${thread.replace(/\D/g, '')}@c.us`;
}

/** The name and first number of each vCard (a shared contact). */
function vCardSummary(cards: string[]): string {
  return cards.map((card) => {
    const name = /^FN[^:]*:(.*)$/m.exec(card)?.[1]?.trim();
    const phone = /^TEL[^:]*:(.*)$/m.exec(card)?.[1]?.trim();
    return `👤 ${[name, phone].filter(Boolean).join(' ')}`;
  }).join('\n');
}

/**
 * Turns a whatsapp-web.js message into the inbox's shape, or null for what is not a customer message:
 * status broadcasts, our own messages, system notices, and group chats unless the inbox allows groups.
 */
export async function normaliseWebMessage(inboxId: number, message: WebMessage, options: { allowGroups: boolean; attachments: AttachmentStore }): Promise<NormalizedInbound | null> {
  if (message.isStatus || message.broadcast || message.from === 'status@broadcast' || message.from.endsWith('@broadcast')) return null;
  if (message.fromMe || message.id.fromMe) return null;
  if (SYSTEM_TYPES.has(message.type)) return null;
  const group = message.from.endsWith('@g.us');
  if (group && !options.allowGroups) return null;

  const author = group ? (message.author ?? message.from) : message.from;
  const contact = await message.getContact().catch(() => undefined);
  // Newer WhatsApp ids (`@lid`) hide the number; the contact still knows it.
  const phone = phoneOfChatId(author) ?? (contact?.number && /^\d{6,15}$/.test(contact.number) ? `+${contact.number}` : undefined);
  const attachments: InboundAttachment[] = [];
  const meta: Record<string, unknown> = { whatsappType: message.type, ...(group ? { group: message.from } : {}) };
  let text: string | undefined = message.body || undefined;

  if (MEDIA_TYPES.has(message.type) && message.hasMedia) {
    try {
      const media = await message.downloadMedia();
      if (!media) throw new Error('WhatsApp no longer has the file');
      const extension = media.mimetype.split('/')[1]?.split(';')[0] ?? 'bin';
      const stored = await options.attachments.save(Buffer.from(media.data, 'base64'), { name: media.filename ?? `${message.type === 'ptt' ? 'voice' : message.type}.${extension}`, contentType: media.mimetype });
      attachments.push({ key: stored.key, name: stored.name, contentType: stored.contentType, size: stored.size });
    } catch (error) {
      meta.attachmentError = `The ${message.type} could not be downloaded: ${(error as Error).message}`;
      text = [text, `[${message.type === 'ptt' ? 'voice message' : message.type} could not be downloaded]`].filter(Boolean).join('\n');
    }
  } else if (message.type === 'location' && message.location) {
    const { latitude, longitude } = message.location;
    const label = [message.location.name, message.location.address ?? message.location.description].filter(Boolean).join(', ');
    meta.location = message.location;
    text = [`📍 ${label || 'Location'}`, `https://maps.google.com/?q=${latitude},${longitude}`].join('\n');
  } else if ((message.type === 'vcard' || message.type === 'multi_vcard') && message.vCards.length) {
    meta.vCards = message.vCards;
    text = vCardSummary(message.vCards);
  } else if (message.type !== 'chat' && !text) {
    text = `[unsupported WhatsApp message: ${message.type}]`;
  }

  const quoted = message.hasQuotedMsg ? await message.getQuotedMessage().catch(() => undefined) : undefined;
  const externalUserId = phone ?? author;
  return {
    inboxId,
    externalMessageId: message.id._serialized,
    // A one-to-one chat is the customer's; a group is its own thread.
    externalThreadId: message.from,
    sender: { externalUserId, name: message._data?.notifyName || contact?.pushname || contact?.name, phone },
    text,
    attachments,
    replyToExternalId: quoted?.id._serialized,
    meta,
    sentAt: new Date(message.timestamp * 1000),
  };
}
