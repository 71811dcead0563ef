import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { SegmentFilter } from '../../campaigns/segment-filter.ts';

/** A saved filter over client cards (see src/campaigns/segment-filter.ts for what it can say). */
export const Segment = defineEntity({
  name: 'Segment',
  properties: {
    id: p.integer().primary(),
    name: p.string().unique(),
    filter: p.json<SegmentFilter>(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export type Segment = InferEntity<typeof Segment>;
