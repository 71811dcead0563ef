import { Migration } from '@mikro-orm/migrations';

export class Migration20261126004229 extends Migration {

  override name = 'Migration20261126004229';

  override up(): void | Promise<void> {
    this.addSql(`create table "label" ("id" serial primary key, "name" varchar(255) not null, "color" varchar(255) not null, "description" text null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "label" add constraint "label_name_unique" unique ("name");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "label" cascade;`);
  }

}
