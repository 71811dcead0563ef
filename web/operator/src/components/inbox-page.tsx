import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n/index.ts';
import { route } from '../router.ts';
import { messagesError, messagesLoading, openConversation, selected, selectedId } from '../state/conversations.ts';
import { navigate } from '../router.ts';
import { ContactPanel } from './contact-panel.tsx';
import { ConversationList } from './conversation-list.tsx';
import { ConversationView } from './conversation-view.tsx';
import { handleShortcut, SHORTCUTS } from './shortcuts.ts';

export function InboxPage() {
  const id = Number(route.value[1]) || null;
  const [help, setHelp] = useState(false);
  useEffect(() => {
    if (id !== selectedId.value) void openConversation(id);
  }, [id]);

  // Keyboard shortcuts (see shortcuts.ts); Escape closes the list of them.
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.key === 'Escape') setHelp(false);
      else handleShortcut(event, () => setHelp((h) => !h));
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div class="inbox">
      <ConversationList />
      <section class="conversation" aria-label={t('conv.messages')}>
        {selected.value ? <ConversationView conversation={selected.value} />
          : id && messagesError.value ? (
            <div class="center">
              <p class="error" role="alert">{messagesError.value} <a href="#/inbox" onClick={(e) => { e.preventDefault(); navigate('/inbox'); }}>{t('conv.back')}</a></p>
            </div>
          )
          : id && messagesLoading.value ? <p class="center muted" role="status">{t('common.loading')}</p>
          : <p class="center muted">{t('conv.none')}</p>}
      </section>
      {selected.value && <ContactPanel contactId={selected.value.contactId} conversationId={selected.value.id} />}
      {help && <ShortcutHelp onClose={() => setHelp(false)} />}
    </div>
  );
}

export function ShortcutHelp({ onClose }: { onClose: () => void }) {
  return (
    <div class="dialog-backdrop" onClick={onClose}>
      <div class="card dialog" role="dialog" aria-modal="true" aria-labelledby="keys-title" onClick={(e) => e.stopPropagation()}>
        <h2 id="keys-title">{t('keys.title')}</h2>
        <dl class="keys">
          {SHORTCUTS.map(([key, what]) => (
            <Fragment key={key}>
              <dt><kbd>{key}</kbd></dt>
              <dd>{t(what)}</dd>
            </Fragment>
          ))}
        </dl>
        <button type="button" autofocus onClick={onClose}>{t('common.close')}</button>
      </div>
    </div>
  );
}
