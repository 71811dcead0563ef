import type { InboundAttachment, NormalizedInbound, StatusEvent } from '../channel-adapter.ts';

/**
 * The shapes of a WhatsApp Cloud webhook (only what we read):
 * https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples
 */
export interface CloudMedia { id: string; mime_type?: string; caption?: string; filename?: string; voice?: boolean }
export interface CloudMessage {
  id: string;
  from: string;
  timestamp: string;
  type: string;
  text?: { body: string };
  image?: CloudMedia;
  document?: CloudMedia;
  audio?: CloudMedia;
  video?: CloudMedia;
  sticker?: CloudMedia;
  location?: { latitude: number; longitude: number; name?: string; address?: string };
  contacts?: { name?: { formatted_name?: string }; phones?: { phone?: string; wa_id?: string }[] }[];
  button?: { text?: string };
  interactive?: { button_reply?: { title?: string }; list_reply?: { title?: string } };
  reaction?: { message_id: string; emoji?: string };
  context?: { id?: string; from?: string };
}
export interface CloudStatus {
  id: string;
  status: 'sent' | 'delivered' | 'read' | 'failed' | string;
  timestamp: string;
  recipient_id?: string;
  errors?: { code?: number; title?: string; message?: string; error_data?: { details?: string } }[];
}
export interface CloudChangeValue {
  messaging_product?: string;
  metadata?: { phone_number_id?: string; display_phone_number?: string };
  contacts?: { wa_id: string; profile?: { name?: string } }[];
  messages?: CloudMessage[];
  statuses?: CloudStatus[];
}
export interface CloudWebhook {
  object?: string;
  entry?: { id?: string; changes?: { field?: string; value?: CloudChangeValue }[] }[];
}

const MEDIA_TYPES = ['image', 'document', 'audio', 'video', 'sticker'] as const;

export type MediaDownloader = (media: CloudMedia, kind: string) => Promise<InboundAttachment>;

const at = (timestamp: string) => new Date(Number(timestamp) * 1000 || Date.now());

/** Every message and status of a webhook addressed to this phone number, in order. */
export function changesFor(payload: CloudWebhook, phoneNumberId: string): CloudChangeValue[] {
  return (payload.entry ?? []).flatMap((entry) => entry.changes ?? [])
    .filter((change) => change.field === 'messages' && change.value && (!change.value.metadata?.phone_number_id || change.value.metadata.phone_number_id === phoneNumberId))
    .map((change) => change.value!);
}

/** A customer message as the inbox stores it; media is fetched through `download` (Graph media ids expire, so now). */
export async function normaliseMessage(inboxId: number, value: CloudChangeValue, message: CloudMessage, download: MediaDownloader): Promise<NormalizedInbound> {
  const profile = value.contacts?.find((c) => c.wa_id === message.from) ?? value.contacts?.[0];
  const attachments: InboundAttachment[] = [];
  const meta: Record<string, unknown> = { whatsappType: message.type };
  let text: string | undefined;
  const mediaKind = MEDIA_TYPES.find((kind) => message.type === kind && message[kind]);
  if (mediaKind) {
    const media = message[mediaKind]!;
    text = media.caption;
    try {
      attachments.push(await download(media, mediaKind));
    } catch (error) {
      // The message still lands, saying what is missing, rather than being lost over a file.
      meta.attachmentError = `The ${mediaKind} could not be downloaded: ${(error as Error).message}`;
      text = [text, `[${mediaKind} could not be downloaded]`].filter(Boolean).join('\n');
    }
  } else if (message.type === 'text') {
    text = message.text?.body;
  } else if (message.type === 'location' && message.location) {
    const { latitude, longitude, name, address } = message.location;
    meta.location = message.location;
    text = [`📍 ${[name, address].filter(Boolean).join(', ') || 'Location'}`, `https://maps.google.com/?q=${latitude},${longitude}`].join('\n');
  } else if (message.type === 'contacts' && message.contacts) {
    meta.contacts = message.contacts;
    text = message.contacts.map((c) => `👤 ${[c.name?.formatted_name, ...(c.phones ?? []).map((p) => p.phone)].filter(Boolean).join(' ')}`).join('\n');
  } else if (message.type === 'button') {
    text = message.button?.text;
  } else if (message.type === 'interactive') {
    text = message.interactive?.button_reply?.title ?? message.interactive?.list_reply?.title;
  } else if (message.type === 'reaction' && message.reaction) {
    text = message.reaction.emoji ? `Reacted ${message.reaction.emoji}` : 'Removed a reaction';
    meta.reaction = message.reaction;
  } else {
    text = `[unsupported WhatsApp message: ${message.type}]`;
  }
  return {
    inboxId,
    externalMessageId: message.id,
    externalThreadId: message.from,
    sender: { externalUserId: message.from, name: profile?.profile?.name, phone: `+${message.from}` },
    text,
    attachments,
    replyToExternalId: message.context?.id ?? (message.type === 'reaction' ? message.reaction?.message_id : undefined),
    meta,
    sentAt: at(message.timestamp),
    raw: message,
  };
}

/** A delivery report; `sent` is dropped (the send itself already marked the message sent). */
export function normaliseStatus(inboxId: number, status: CloudStatus): StatusEvent | null {
  if (status.status !== 'delivered' && status.status !== 'read' && status.status !== 'failed') return null;
  const error = status.errors?.[0];
  const reason = error ? `${[error.title ?? error.message, error.error_data?.details].filter(Boolean).join(': ')}${error.code ? ` (WhatsApp error ${error.code})` : ''}` : undefined;
  return { inboxId, externalMessageId: status.id, status: status.status, reason, at: at(status.timestamp) };
}
