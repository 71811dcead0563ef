import { Migration } from '@mikro-orm/migrations';

export class Migration20261124092810 extends Migration {

  override name = 'Migration20261124092810';

  override up(): void | Promise<void> {
    this.addSql(`alter table "inbox" add "credentials" jsonb not null default '{}';`);

    this.addSql(`alter table "message" add "edited_at" timestamptz null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "inbox" drop column "credentials";`);

    this.addSql(`alter table "message" drop column "edited_at";`);
  }

}
