import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n/index.ts';
import { navigate, route } from '../router.ts';
import { changeConversation, conversations, openConversation, selected, selectedId } from '../state/conversations.ts';
import { me } from '../state/session.ts';
import { ContactPanel } from './contact-panel.tsx';
import { ConversationList } from './conversation-list.tsx';
import { ConversationView } from './conversation-view.tsx';

const isTyping = (target: EventTarget | null) => target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

export function InboxPage() {
  const id = Number(route.value[1]) || null;
  const [help, setHelp] = useState(false);
  useEffect(() => {
    if (id !== selectedId.value) void openConversation(id);
  }, [id]);

  // Keyboard shortcuts (not while typing in a field): j/k move, r reply, e resolve, a assign to me, ? help.
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
      const list = conversations.value;
      const at = list.findIndex((c) => c.id === selectedId.value);
      const conversation = selected.value;
      if (event.key === 'j' || event.key === 'k') {
        const next = list[Math.max(0, Math.min(list.length - 1, at + (event.key === 'j' ? 1 : -1)))];
        if (next) navigate(`/inbox/${next.id}`);
      } else if (event.key === 'r' && conversation) document.getElementById('reply-text')?.focus();
      else if (event.key === 'e' && conversation) void changeConversation(conversation.id, { status: 'resolved' });
      else if (event.key === 'a' && conversation && me.value) void changeConversation(conversation.id, { assigneeId: me.value.id });
      else if (event.key === '/') document.getElementById('list-search')?.focus();
      else if (event.key === '?') setHelp((h) => !h);
      else return;
      event.preventDefault();
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div class="inbox">
      <ConversationList />
      <section class="conversation" aria-label={t('conv.messages')}>
        {selected.value ? <ConversationView conversation={selected.value} /> : <p class="center muted">{t('conv.none')}</p>}
      </section>
      {selected.value && <ContactPanel contactId={selected.value.contactId} conversationId={selected.value.id} />}
      {help && <ShortcutHelp onClose={() => setHelp(false)} />}
    </div>
  );
}

export function ShortcutHelp({ onClose }: { onClose: () => void }) {
  const rows: [string, string][] = [['j', t('keys.next')], ['k', t('keys.prev')], ['r', t('keys.reply')], ['e', t('keys.resolve')], ['a', t('keys.assignMe')], ['/', t('keys.search')], ['?', t('keys.help')]];
  return (
    <div class="dialog-backdrop" onClick={onClose}>
      <div class="card dialog" role="dialog" aria-modal="true" aria-labelledby="keys-title" onClick={(e) => e.stopPropagation()}>
        <h2 id="keys-title">{t('keys.title')}</h2>
        <dl class="keys">
          {rows.map(([key, what]) => (
            <>
              <dt><kbd>{key}</kbd></dt>
              <dd>{what}</dd>
            </>
          ))}
        </dl>
        <button type="button" autofocus onClick={onClose}>{t('common.close')}</button>
      </div>
    </div>
  );
}
