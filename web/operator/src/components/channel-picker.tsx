import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { t } from '../i18n/index.ts';
import { contactChanged } from '../state/live.ts';
import type { ContactChannel, Conversation } from '../types.ts';

/**
 * The channels a reply to this conversation's client card can go out on (GET /contacts/:id/channels), and the one
 * chosen: by default the conversation's own inbox, where the customer last wrote from.
 */
export function useReplyChannels(conversation: Conversation) {
  const [channels, setChannels] = useState<ContactChannel[]>([]);
  const [inboxId, setInboxId] = useState(conversation.inboxId);
  useEffect(() => {
    setInboxId(conversation.inboxId);
    setChannels([]);
  }, [conversation.id, conversation.inboxId]);
  // The card changed (an identity was added, one became unreachable): ask again.
  const changed = contactChanged.value?.id === conversation.contactId ? contactChanged.value.at : 0;
  useEffect(() => {
    let current = true;
    // Without the list the box still replies here: a failure only hides the picker.
    api<ContactChannel[]>('GET', `/contacts/${conversation.contactId}/channels`).then((list) => current && setChannels(list), () => {});
    return () => {
      current = false;
    };
  }, [conversation.id, conversation.contactId, changed]);
  return { channels, inboxId, setInboxId, elsewhere: inboxId !== conversation.inboxId };
}

/** Shown only when the card can be reached on more than one channel. */
export function ChannelPicker({ channels, inboxId, onChange }: { channels: ContactChannel[]; inboxId: number; onChange: (inboxId: number) => void }) {
  if (channels.length < 2) return null;
  return (
    <label class="channel-picker">
      <span>{t('channels.label')}</span>
      <select value={inboxId} onChange={(e) => onChange(Number(e.currentTarget.value))}>
        {channels.map((c) => (
          <option key={c.inboxId} value={c.inboxId} disabled={!!c.unreachableReason}>
            {c.conversationId === null
              ? t('channels.new', { name: c.name, kind: c.kind, address: c.address ?? '' })
              : t('channels.existing', { name: c.name, kind: c.kind })}
          </option>
        ))}
      </select>
    </label>
  );
}
