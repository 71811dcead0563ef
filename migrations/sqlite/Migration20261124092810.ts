import { Migration } from '@mikro-orm/migrations';

export class Migration20261124092810 extends Migration {

  override name = 'Migration20261124092810';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`inbox\` add column \`credentials\` json not null default '{}';`);

    this.addSql(`alter table \`message\` add column \`edited_at\` datetime null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`inbox\` drop column \`credentials\`;`);

    this.addSql(`alter table \`message\` drop column \`edited_at\`;`);
  }

}
