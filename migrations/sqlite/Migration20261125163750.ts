import { Migration } from '@mikro-orm/migrations';

export class Migration20261125163750 extends Migration {

  override name = 'Migration20261125163750';

  override up(): void | Promise<void> {
    this.addSql(`create table \`channel_cursor\` (\`id\` integer not null primary key autoincrement, \`inbox_id\` integer not null, \`key\` text not null, \`value\` text not null, \`updated_at\` datetime not null, constraint \`channel_cursor_inbox_id_foreign\` foreign key (\`inbox_id\`) references \`inbox\` (\`id\`) on delete cascade);`);
    this.addSql(`create index \`channel_cursor_inbox_id_index\` on \`channel_cursor\` (\`inbox_id\`);`);
    this.addSql(`create unique index \`channel_cursor_inbox_id_key_unique\` on \`channel_cursor\` (\`inbox_id\`, \`key\`);`);

    this.addSql(`alter table \`message\` add column \`meta\` json null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`channel_cursor\`;`);

    this.addSql(`alter table \`message\` drop column \`meta\`;`);
  }

}
