import { t } from '../../i18n/index.ts';
import { route } from '../../router.ts';
import { CampaignView } from './campaign-view.tsx';
import { CampaignWizard } from './campaign-wizard.tsx';
import { CampaignList } from './campaign-list.tsx';
import { SegmentEditor } from './segment-editor.tsx';
import { SegmentList } from './segment-list.tsx';
import { SuppressionsPage } from './suppressions-page.tsx';
import { TemplateEditor } from './template-editor.tsx';
import { TemplateList } from './template-list.tsx';
import { Link } from './ui.tsx';

const TABS = ['campaigns', 'templates', 'segments', 'suppressions'] as const;
type Tab = (typeof TABS)[number];

/** The marketers' screens: `#/marketing/<tab>[/new | /<id>]`. */
export function MarketingPage() {
  const [, second, third] = route.value;
  const tab: Tab = (TABS as readonly string[]).includes(second ?? '') ? (second as Tab) : 'campaigns';
  const id = third === 'new' ? 'new' : Number(third) || null;
  return (
    <div class="settings marketing">
      <nav class="settings-nav" aria-label={t('marketing.nav')}>
        <h1>{t('marketing.nav')}</h1>
        {TABS.map((name) => (
          <Link key={name} to={`/marketing/${name}`} class={tab === name ? 'active' : ''} current={tab === name}>{t(`mk.tab.${name}`)}</Link>
        ))}
      </nav>
      <section class="settings-body mk-body">{screen(tab, id)}</section>
    </div>
  );
}

function screen(tab: Tab, id: number | 'new' | null) {
  switch (tab) {
    case 'templates': return id ? <TemplateEditor key={id} id={id} /> : <TemplateList />;
    case 'segments': return id ? <SegmentEditor key={id} id={id} /> : <SegmentList />;
    case 'suppressions': return <SuppressionsPage />;
    default: return id === 'new' ? <CampaignWizard /> : id ? <CampaignView key={id} id={id} /> : <CampaignList />;
  }
}
