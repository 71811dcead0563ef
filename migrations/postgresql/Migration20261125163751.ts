import { Migration } from '@mikro-orm/migrations';

export class Migration20261125163751 extends Migration {

  override name = 'Migration20261125163751';

  override up(): void | Promise<void> {
    this.addSql(`create table "channel_cursor" ("id" serial primary key, "inbox_id" int not null, "key" varchar(255) not null, "value" text not null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "channel_cursor" add constraint "channel_cursor_inbox_id_key_unique" unique ("inbox_id", "key");`);

    this.addSql(`alter table "message" add "meta" jsonb null;`);

    this.addSql(`alter table "channel_cursor" add constraint "channel_cursor_inbox_id_foreign" foreign key ("inbox_id") references "inbox" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "channel_cursor" cascade;`);

    this.addSql(`alter table "message" drop column "meta";`);
  }

}
