import { localDate } from './zoned-time.ts';

/** The card as a template sees it (see TEMPLATE_ROOTS in template-engine.ts). */
export interface CardForTemplate {
  id: number;
  name: string | null;
  birthday: string | null;
  language: string | null;
  timezone: string | null;
  customFields: Record<string, unknown>;
  createdAt: Date;
  tags: string[];
  identities: { kind: string; value: string }[];
}

/** The variables one recipient's message is rendered with. */
export function renderScope(card: CardForTemplate, campaign: { id: number; name: string }, options: { unsubscribeUrl: string; now: Date; customFields: Iterable<string>; defaultTimezone?: string }) {
  const custom: Record<string, unknown> = {};
  for (const key of options.customFields) custom[key] = null; // a card without the field prints nothing, not an error
  Object.assign(custom, card.customFields);
  const timezone = card.timezone || options.defaultTimezone || 'UTC';
  return {
    contact: {
      id: card.id,
      name: card.name ?? '',
      first_name: (card.name ?? '').trim().split(/\s+/)[0] ?? '',
      email: card.identities.find((i) => i.kind === 'email')?.value ?? null,
      phone: card.identities.find((i) => i.kind === 'phone')?.value ?? null,
      birthday: card.birthday,
      language: card.language,
      timezone,
      tags: card.tags,
      created_at: card.createdAt,
      custom,
    },
    campaign: { id: campaign.id, name: campaign.name },
    unsubscribe_url: options.unsubscribeUrl,
    today: localDate(options.now, timezone),
    now: options.now,
  };
}
