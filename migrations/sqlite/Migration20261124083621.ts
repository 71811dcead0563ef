import { Migration } from '@mikro-orm/migrations';

export class Migration20261124083621 extends Migration {

  override name = 'Migration20261124083621';

  override up(): void | Promise<void> {
    this.addSql(`create table \`canned_response\` (\`id\` integer not null primary key autoincrement, \`short_code\` text not null, \`content\` text not null, \`created_at\` datetime not null);`);
    this.addSql(`create unique index \`canned_response_short_code_unique\` on \`canned_response\` (\`short_code\`);`);

    this.addSql(`create table \`contact\` (\`id\` integer not null primary key autoincrement, \`name\` text null, \`avatar_url\` text null, \`birthday\` text null, \`language\` text null, \`timezone\` text null, \`custom_fields\` json not null default '{}', \`created_at\` datetime not null, \`updated_at\` datetime not null, \`last_activity_at\` datetime null);`);

    this.addSql(`create table \`contact_identity\` (\`id\` integer not null primary key autoincrement, \`contact_id\` integer not null, \`kind\` text not null, \`value\` text not null, \`unreachable_reason\` text null, \`created_at\` datetime not null, constraint \`contact_identity_contact_id_foreign\` foreign key (\`contact_id\`) references \`contact\` (\`id\`) on delete cascade);`);
    this.addSql(`create index \`contact_identity_contact_id_index\` on \`contact_identity\` (\`contact_id\`);`);
    this.addSql(`create unique index \`contact_identity_kind_value_unique\` on \`contact_identity\` (\`kind\`, \`value\`);`);

    this.addSql(`create table \`contact_tag\` (\`id\` integer not null primary key autoincrement, \`contact_id\` integer not null, \`tag\` text not null, constraint \`contact_tag_contact_id_foreign\` foreign key (\`contact_id\`) references \`contact\` (\`id\`) on delete cascade);`);
    this.addSql(`create index \`contact_tag_contact_id_index\` on \`contact_tag\` (\`contact_id\`);`);
    this.addSql(`create index \`contact_tag_tag_index\` on \`contact_tag\` (\`tag\`);`);
    this.addSql(`create unique index \`contact_tag_contact_id_tag_unique\` on \`contact_tag\` (\`contact_id\`, \`tag\`);`);

    this.addSql(`create table \`inbox\` (\`id\` integer not null primary key autoincrement, \`kind\` text not null, \`name\` text not null, \`settings\` json not null default '{}', \`secret\` text not null, \`created_at\` datetime not null, \`updated_at\` datetime not null);`);

    this.addSql(`create table \`inbox_event\` (\`id\` integer not null primary key autoincrement, \`type\` text not null, \`inbox_id\` integer not null, \`payload\` json not null, \`created_at\` datetime not null);`);
    this.addSql(`create index \`inbox_event_inbox_id_index\` on \`inbox_event\` (\`inbox_id\`);`);
    this.addSql(`create index \`inbox_event_created_at_index\` on \`inbox_event\` (\`created_at\`);`);

    this.addSql(`create table \`operator\` (\`id\` integer not null primary key autoincrement, \`email\` text not null, \`name\` text not null, \`password_hash\` text not null, \`role\` text check (\`role\` in ('admin', 'operator', 'marketer')) not null, \`active\` integer not null default true, \`created_at\` datetime not null);`);
    this.addSql(`create unique index \`operator_email_unique\` on \`operator\` (\`email\`);`);

    this.addSql(`create table \`inbox_member\` (\`inbox_id\` integer not null, \`operator_id\` integer not null, primary key (\`inbox_id\`, \`operator_id\`), constraint \`inbox_member_inbox_id_foreign\` foreign key (\`inbox_id\`) references \`inbox\` (\`id\`) on update cascade on delete cascade, constraint \`inbox_member_operator_id_foreign\` foreign key (\`operator_id\`) references \`operator\` (\`id\`) on update cascade on delete cascade);`);
    this.addSql(`create index \`inbox_member_inbox_id_index\` on \`inbox_member\` (\`inbox_id\`);`);
    this.addSql(`create index \`inbox_member_operator_id_index\` on \`inbox_member\` (\`operator_id\`);`);

    this.addSql(`create table \`contact_note\` (\`id\` integer not null primary key autoincrement, \`contact_id\` integer not null, \`author_id\` integer null, \`body\` text not null, \`created_at\` datetime not null, constraint \`contact_note_contact_id_foreign\` foreign key (\`contact_id\`) references \`contact\` (\`id\`) on delete cascade, constraint \`contact_note_author_id_foreign\` foreign key (\`author_id\`) references \`operator\` (\`id\`) on delete set null);`);
    this.addSql(`create index \`contact_note_contact_id_index\` on \`contact_note\` (\`contact_id\`);`);
    this.addSql(`create index \`contact_note_author_id_index\` on \`contact_note\` (\`author_id\`);`);

    this.addSql(`create table \`session\` (\`token_hash\` text not null primary key, \`operator_id\` integer not null, \`created_at\` datetime not null, \`expires_at\` datetime not null, constraint \`session_operator_id_foreign\` foreign key (\`operator_id\`) references \`operator\` (\`id\`) on delete cascade);`);
    this.addSql(`create index \`session_operator_id_index\` on \`session\` (\`operator_id\`);`);
    this.addSql(`create index \`session_expires_at_index\` on \`session\` (\`expires_at\`);`);

    this.addSql(`create table \`team\` (\`id\` integer not null primary key autoincrement, \`name\` text not null, \`created_at\` datetime not null);`);
    this.addSql(`create unique index \`team_name_unique\` on \`team\` (\`name\`);`);

    this.addSql(`create table \`inbox_team\` (\`inbox_id\` integer not null, \`team_id\` integer not null, primary key (\`inbox_id\`, \`team_id\`), constraint \`inbox_team_inbox_id_foreign\` foreign key (\`inbox_id\`) references \`inbox\` (\`id\`) on update cascade on delete cascade, constraint \`inbox_team_team_id_foreign\` foreign key (\`team_id\`) references \`team\` (\`id\`) on update cascade on delete cascade);`);
    this.addSql(`create index \`inbox_team_inbox_id_index\` on \`inbox_team\` (\`inbox_id\`);`);
    this.addSql(`create index \`inbox_team_team_id_index\` on \`inbox_team\` (\`team_id\`);`);

    this.addSql(`create table \`conversation\` (\`id\` integer not null primary key autoincrement, \`inbox_id\` integer not null, \`contact_id\` integer not null, \`external_thread_id\` text not null, \`external_user_id\` text not null, \`status\` text check (\`status\` in ('open', 'pending', 'snoozed', 'resolved')) not null default 'open', \`snoozed_until\` datetime null, \`assignee_id\` integer null, \`team_id\` integer null, \`unread_count\` integer not null default 0, \`last_message_preview\` text null, \`last_activity_at\` datetime not null, \`created_at\` datetime not null, constraint \`conversation_inbox_id_foreign\` foreign key (\`inbox_id\`) references \`inbox\` (\`id\`) on delete cascade, constraint \`conversation_contact_id_foreign\` foreign key (\`contact_id\`) references \`contact\` (\`id\`), constraint \`conversation_assignee_id_foreign\` foreign key (\`assignee_id\`) references \`operator\` (\`id\`) on delete set null, constraint \`conversation_team_id_foreign\` foreign key (\`team_id\`) references \`team\` (\`id\`) on delete set null);`);
    this.addSql(`create index \`conversation_inbox_id_index\` on \`conversation\` (\`inbox_id\`);`);
    this.addSql(`create index \`conversation_contact_id_index\` on \`conversation\` (\`contact_id\`);`);
    this.addSql(`create index \`conversation_assignee_id_index\` on \`conversation\` (\`assignee_id\`);`);
    this.addSql(`create index \`conversation_team_id_index\` on \`conversation\` (\`team_id\`);`);
    this.addSql(`create index \`conversation_last_activity_at_id_index\` on \`conversation\` (\`last_activity_at\`, \`id\`);`);
    this.addSql(`create unique index \`conversation_inbox_id_external_thread_id_unique\` on \`conversation\` (\`inbox_id\`, \`external_thread_id\`);`);

    this.addSql(`create table \`message\` (\`id\` integer not null primary key autoincrement, \`conversation_id\` integer not null, \`inbox_id\` integer not null, \`direction\` text check (\`direction\` in ('in', 'out')) not null, \`author_type\` text check (\`author_type\` in ('contact', 'operator', 'bot', 'system')) not null, \`operator_id\` integer null, \`text\` text null, \`html\` text null, \`attachments\` json not null default '[]', \`external_id\` text null, \`reply_to_external_id\` text null, \`status\` text check (\`status\` in ('received', 'note', 'queued', 'sending', 'sent', 'failed', 'delivered', 'read', 'unknown')) not null, \`failure_reason\` text null, \`private\` integer not null default false, \`sent_at\` datetime null, \`created_at\` datetime not null, constraint \`message_conversation_id_foreign\` foreign key (\`conversation_id\`) references \`conversation\` (\`id\`) on delete cascade, constraint \`message_inbox_id_foreign\` foreign key (\`inbox_id\`) references \`inbox\` (\`id\`) on delete cascade, constraint \`message_operator_id_foreign\` foreign key (\`operator_id\`) references \`operator\` (\`id\`) on delete set null);`);
    this.addSql(`create index \`message_conversation_id_index\` on \`message\` (\`conversation_id\`);`);
    this.addSql(`create index \`message_inbox_id_index\` on \`message\` (\`inbox_id\`);`);
    this.addSql(`create index \`message_operator_id_index\` on \`message\` (\`operator_id\`);`);
    this.addSql(`create index \`message_conversation_id_id_index\` on \`message\` (\`conversation_id\`, \`id\`);`);
    this.addSql(`create unique index \`message_inbox_id_external_id_unique\` on \`message\` (\`inbox_id\`, \`external_id\`);`);

    this.addSql(`create table \`conversation_label\` (\`id\` integer not null primary key autoincrement, \`conversation_id\` integer not null, \`label\` text not null, constraint \`conversation_label_conversation_id_foreign\` foreign key (\`conversation_id\`) references \`conversation\` (\`id\`) on delete cascade);`);
    this.addSql(`create index \`conversation_label_conversation_id_index\` on \`conversation_label\` (\`conversation_id\`);`);
    this.addSql(`create index \`conversation_label_label_index\` on \`conversation_label\` (\`label\`);`);
    this.addSql(`create unique index \`conversation_label_conversation_id_label_unique\` on \`conversation_label\` (\`conversation_id\`, \`label\`);`);

    this.addSql(`create table \`team_member\` (\`team_id\` integer not null, \`operator_id\` integer not null, primary key (\`team_id\`, \`operator_id\`), constraint \`team_member_team_id_foreign\` foreign key (\`team_id\`) references \`team\` (\`id\`) on update cascade on delete cascade, constraint \`team_member_operator_id_foreign\` foreign key (\`operator_id\`) references \`operator\` (\`id\`) on update cascade on delete cascade);`);
    this.addSql(`create index \`team_member_team_id_index\` on \`team_member\` (\`team_id\`);`);
    this.addSql(`create index \`team_member_operator_id_index\` on \`team_member\` (\`operator_id\`);`);
  }

  override down(): void | Promise<void> {

    this.addSql(`drop table if exists \`canned_response\`;`);
    this.addSql(`drop table if exists \`contact\`;`);
    this.addSql(`drop table if exists \`contact_identity\`;`);
    this.addSql(`drop table if exists \`contact_tag\`;`);
    this.addSql(`drop table if exists \`inbox\`;`);
    this.addSql(`drop table if exists \`inbox_event\`;`);
    this.addSql(`drop table if exists \`operator\`;`);
    this.addSql(`drop table if exists \`inbox_member\`;`);
    this.addSql(`drop table if exists \`contact_note\`;`);
    this.addSql(`drop table if exists \`session\`;`);
    this.addSql(`drop table if exists \`team\`;`);
    this.addSql(`drop table if exists \`inbox_team\`;`);
    this.addSql(`drop table if exists \`conversation\`;`);
    this.addSql(`drop table if exists \`message\`;`);
    this.addSql(`drop table if exists \`conversation_label\`;`);
    this.addSql(`drop table if exists \`team_member\`;`);
  }

}
