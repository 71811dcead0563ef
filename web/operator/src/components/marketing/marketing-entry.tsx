import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../../i18n/index.ts';
import { navigate } from '../../router.ts';

/**
 * What app.tsx knows of the marketers' screens: a rail link and a placeholder that loads the screens on first
 * use (a separate chunk: operators, who never see them, never download them).
 */
export function MarketingNavLink({ active }: { active: boolean }) {
  const label = t('marketing.nav');
  return (
    <a href="#/marketing" class={`rail-link${active ? ' active' : ''}`} aria-current={active ? 'page' : undefined} title={label} onClick={(e) => { e.preventDefault(); navigate('/marketing'); }}>
      <svg width={20} height={20} viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">
        <path d="M3 11v2a1 1 0 0 0 1 1h2l5 4V6L6 10H4a1 1 0 0 0-1 1z M15 9a3 3 0 0 1 0 6 M18 6a7 7 0 0 1 0 12" />
      </svg>
      <span class="rail-label">{label}</span>
    </a>
  );
}

let loaded: ComponentType | null = null;

export function MarketingEntry() {
  const [Page, setPage] = useState<ComponentType | null>(() => loaded);
  const [failed, setFailed] = useState(false);
  const load = () => {
    setFailed(false);
    import('./marketing-page.tsx').then((m) => setPage(() => (loaded = m.MarketingPage))).catch(() => setFailed(true));
  };
  useEffect(() => {
    if (!Page) load();
  }, []);
  if (Page) return <Page />;
  if (failed) return <p class="error center" role="alert">{t('mk.loadFailed')} <button type="button" class="link" onClick={load}>{t('common.retry')}</button></p>;
  return <p class="center muted">{t('common.loading')}</p>;
}
