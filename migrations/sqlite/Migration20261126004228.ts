import { Migration } from '@mikro-orm/migrations';

export class Migration20261126004228 extends Migration {

  override name = 'Migration20261126004228';

  override up(): void | Promise<void> {
    this.addSql(`create table \`label\` (\`id\` integer not null primary key autoincrement, \`name\` text not null, \`color\` text not null, \`description\` text null, \`created_at\` datetime not null, \`updated_at\` datetime not null);`);
    this.addSql(`create unique index \`label_name_unique\` on \`label\` (\`name\`);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`label\`;`);
  }

}
