import { useEffect } from 'preact/hooks';
import { t } from '../i18n/index.ts';
import { route, navigate } from '../router.ts';
import { loadConversations } from '../state/conversations.ts';
import { loadDirectory } from '../state/directory.ts';
import { connect, connection, disconnect } from '../state/live.ts';
import { connectMarketers, disconnectMarketers } from '../state/marketing-live.ts';
import { loadSession, logout, me } from '../state/session.ts';
import { ContactsPage } from './contacts-page.tsx';
import { InboxPage } from './inbox-page.tsx';
import { Login } from './login.tsx';
import { MarketingEntry, MarketingNavLink } from './marketing/marketing-entry.tsx';
import { Icon } from './icons.tsx';
import { SettingsPage } from './settings-page.tsx';

export function App() {
  useEffect(() => void loadSession(), []);
  const who = me.value;
  useEffect(() => {
    // Marketers have their own socket (the operator one refuses them); admins use both.
    if (!who || who.role === 'operator') return;
    connectMarketers(who.role === 'marketer');
    return () => disconnectMarketers();
  }, [who?.id]);
  useEffect(() => {
    if (!who || who.role === 'marketer') return;
    void loadDirectory().catch(() => {});
    void loadConversations();
    connect(() => {
      void loadConversations();
      void loadDirectory().catch(() => {});
    });
    return () => disconnect();
  }, [who?.id]);

  if (who === undefined) return <p class="center muted">{t('common.loading')}</p>;
  if (who === null) return <Login />;
  const [routed] = route.value;
  // Marketers have no inbox: they land on their own screens.
  const page = who.role === 'marketer' && routed !== 'contacts' ? 'marketing' : routed;
  const state = connection.value;
  return (
    <div class="shell">
      <a class="skip" href="#main">{t('app.skip')}</a>
      <nav class="rail" aria-label={t('nav.main')}>
        <span class="brand" aria-hidden="true">◆</span>
        {who.role !== 'marketer' && <NavLink href="/inbox" active={page === 'inbox'} label={t('nav.inbox')} icon="inbox" />}
        <NavLink href="/contacts" active={page === 'contacts'} label={t('nav.contacts')} icon="contacts" />
        {who.role !== 'operator' && <MarketingNavLink active={page === 'marketing'} />}
        {who.role === 'admin' && <NavLink href="/settings" active={page === 'settings'} label={t('nav.settings')} icon="settings" />}
        <span class="grow" />
        <span class={`live live-${state}`} role="status" title={state === 'live' ? t('live.connected') : state === 'offline' ? t('live.offline') : t('live.reconnecting')}>
          <span class="dot" aria-hidden="true" />
          <span class="sr-only">{state === 'live' ? t('live.connected') : state === 'offline' ? t('live.offline') : t('live.reconnecting')}</span>
        </span>
        <button type="button" class="rail-button" title={t('nav.logout')} aria-label={t('nav.logout')} onClick={() => void logout()}><Icon name="logout" /></button>
      </nav>
      <main id="main" class="page">
        {page === 'marketing' && who.role !== 'operator' ? <MarketingEntry /> : page === 'contacts' ? <ContactsPage /> : page === 'settings' ? <SettingsPage /> : <InboxPage />}
      </main>
    </div>
  );
}

function NavLink({ href, active, label, icon }: { href: string; active: boolean; label: string; icon: 'inbox' | 'contacts' | 'settings' }) {
  return (
    <a href={`#${href}`} class={`rail-link${active ? ' active' : ''}`} aria-current={active ? 'page' : undefined} title={label} onClick={(e) => { e.preventDefault(); navigate(href); }}>
      <Icon name={icon} />
      <span class="rail-label">{label}</span>
    </a>
  );
}
