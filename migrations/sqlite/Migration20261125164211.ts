import { Migration } from '@mikro-orm/migrations';

export class Migration20261125164211 extends Migration {

  override name = 'Migration20261125164211';

  override up(): void | Promise<void> {
    this.addSql(`create table \`consent_record\` (\`id\` integer not null primary key autoincrement, \`contact_id\` integer not null, \`channel\` text not null, \`status\` text check (\`status\` in ('opt-in', 'opt-out')) not null, \`source\` text not null, \`text\` text null, \`operator_id\` integer null, \`campaign_id\` integer null, \`created_at\` datetime not null, constraint \`consent_record_contact_id_foreign\` foreign key (\`contact_id\`) references \`contact\` (\`id\`) on delete cascade);`);
    this.addSql(`create index \`consent_record_contact_id_index\` on \`consent_record\` (\`contact_id\`);`);
    this.addSql(`create index \`consent_record_contact_id_channel_id_index\` on \`consent_record\` (\`contact_id\`, \`channel\`, \`id\`);`);

    this.addSql(`create table \`segment\` (\`id\` integer not null primary key autoincrement, \`name\` text not null, \`filter\` json not null, \`created_at\` datetime not null, \`updated_at\` datetime not null);`);
    this.addSql(`create unique index \`segment_name_unique\` on \`segment\` (\`name\`);`);

    this.addSql(`create table \`suppression\` (\`id\` integer not null primary key autoincrement, \`channel\` text not null, \`address\` text not null, \`reason\` text check (\`reason\` in ('unsubscribed', 'bounced', 'blocked', 'invalid', 'complained', 'manual')) not null, \`note\` text null, \`campaign_id\` integer null, \`created_at\` datetime not null);`);
    this.addSql(`create unique index \`suppression_channel_address_unique\` on \`suppression\` (\`channel\`, \`address\`);`);

    this.addSql(`create table \`template\` (\`id\` integer not null primary key autoincrement, \`name\` text not null, \`bodies\` json not null, \`created_at\` datetime not null, \`updated_at\` datetime not null);`);
    this.addSql(`create unique index \`template_name_unique\` on \`template\` (\`name\`);`);

    this.addSql(`create table \`campaign\` (\`id\` integer not null primary key autoincrement, \`name\` text not null, \`kind\` text check (\`kind\` in ('one-off', 'birthday')) not null default 'one-off', \`state\` text check (\`state\` in ('draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled')) not null default 'draft', \`template_id\` integer null, \`segment_id\` integer null, \`channels\` json not null, \`scheduled_at\` datetime null, \`timezone\` text not null default 'UTC', \`quiet_hours\` json null, \`send_time\` text null, \`track_opens\` integer not null default false, \`track_clicks\` integer not null default false, \`require_opt_in\` integer not null default false, \`snapshot\` json null, \`secret\` text not null, \`generation\` integer not null default 0, \`expand_cursor\` integer not null default 0, \`expanded_at\` datetime null, \`created_by_id\` integer null, \`started_at\` datetime null, \`paused_at\` datetime null, \`completed_at\` datetime null, \`cancelled_at\` datetime null, \`created_at\` datetime not null, \`updated_at\` datetime not null, constraint \`campaign_template_id_foreign\` foreign key (\`template_id\`) references \`template\` (\`id\`) on delete set null, constraint \`campaign_segment_id_foreign\` foreign key (\`segment_id\`) references \`segment\` (\`id\`) on delete set null, constraint \`campaign_created_by_id_foreign\` foreign key (\`created_by_id\`) references \`operator\` (\`id\`) on delete set null);`);
    this.addSql(`create index \`campaign_template_id_index\` on \`campaign\` (\`template_id\`);`);
    this.addSql(`create index \`campaign_segment_id_index\` on \`campaign\` (\`segment_id\`);`);
    this.addSql(`create index \`campaign_created_by_id_index\` on \`campaign\` (\`created_by_id\`);`);
    this.addSql(`create index \`campaign_state_index\` on \`campaign\` (\`state\`);`);

    this.addSql(`create table \`campaign_recipient\` (\`id\` integer not null primary key autoincrement, \`campaign_id\` integer not null, \`contact_id\` integer not null, \`inbox_id\` integer not null, \`occurrence\` text not null default '', \`step\` integer not null default 0, \`address\` text not null, \`status\` text check (\`status\` in ('queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'unknown', 'skipped', 'cancelled')) not null, \`failure_reason\` text null, \`external_id\` text null, \`deferred_until\` datetime null, \`sent_at\` datetime null, \`opened_at\` datetime null, \`clicked_at\` datetime null, \`unsubscribed_at\` datetime null, \`created_at\` datetime not null, \`updated_at\` datetime not null, constraint \`campaign_recipient_campaign_id_foreign\` foreign key (\`campaign_id\`) references \`campaign\` (\`id\`) on delete cascade, constraint \`campaign_recipient_contact_id_foreign\` foreign key (\`contact_id\`) references \`contact\` (\`id\`) on delete cascade, constraint \`campaign_recipient_inbox_id_foreign\` foreign key (\`inbox_id\`) references \`inbox\` (\`id\`) on delete cascade);`);
    this.addSql(`create index \`campaign_recipient_campaign_id_index\` on \`campaign_recipient\` (\`campaign_id\`);`);
    this.addSql(`create index \`campaign_recipient_contact_id_index\` on \`campaign_recipient\` (\`contact_id\`);`);
    this.addSql(`create index \`campaign_recipient_inbox_id_index\` on \`campaign_recipient\` (\`inbox_id\`);`);
    this.addSql(`create index \`campaign_recipient_campaign_id_status_index\` on \`campaign_recipient\` (\`campaign_id\`, \`status\`);`);
    this.addSql(`create index \`campaign_recipient_inbox_id_external_id_index\` on \`campaign_recipient\` (\`inbox_id\`, \`external_id\`);`);
    this.addSql(`create unique index \`campaign_recipient_campaign_id_contact_id_inbox_id_occurrence_unique\` on \`campaign_recipient\` (\`campaign_id\`, \`contact_id\`, \`inbox_id\`, \`occurrence\`);`);
  }

  override down(): void | Promise<void> {

    this.addSql(`drop table if exists \`consent_record\`;`);
    this.addSql(`drop table if exists \`segment\`;`);
    this.addSql(`drop table if exists \`suppression\`;`);
    this.addSql(`drop table if exists \`template\`;`);
    this.addSql(`drop table if exists \`campaign\`;`);
    this.addSql(`drop table if exists \`campaign_recipient\`;`);
  }

}
