import type { MikroORM } from '@mikro-orm/core';
import type { CursorStore } from '../../channels/channel-adapter.ts';
import { ChannelCursor } from './entities/index.ts';

/** The adapters' CursorStore, one row per (inbox, key) in `channel_cursor`: shared by every process, kept across restarts. */
export class DbCursorStore implements CursorStore {
  readonly #orm: MikroORM;

  constructor(orm: MikroORM) {
    this.#orm = orm;
  }

  async get(inboxId: number, key: string): Promise<string | null> {
    const row = await this.#orm.em.fork().findOne(ChannelCursor, { inbox: inboxId, key }, { fields: ['value'] });
    return row?.value ?? null;
  }

  async set(inboxId: number, key: string, value: string): Promise<void> {
    await this.#orm.em.fork().upsert(ChannelCursor, { inbox: inboxId, key, value, updatedAt: new Date() }, { onConflictFields: ['inbox', 'key'], onConflictAction: 'merge', onConflictMergeFields: ['value', 'updatedAt'] });
  }
}
