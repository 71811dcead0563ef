import { Migration } from '@mikro-orm/migrations';

export class Migration20261124084509 extends Migration {

  override name = 'Migration20261124084509';

  override up(): void | Promise<void> {
    this.addSql(`create table "canned_response" ("id" serial primary key, "short_code" varchar(255) not null, "content" text not null, "created_at" timestamptz not null);`);
    this.addSql(`alter table "canned_response" add constraint "canned_response_short_code_unique" unique ("short_code");`);

    this.addSql(`create table "contact" ("id" serial primary key, "name" varchar(255) null, "avatar_url" text null, "birthday" varchar(255) null, "language" varchar(255) null, "timezone" varchar(255) null, "custom_fields" jsonb not null default '{}', "created_at" timestamptz not null, "updated_at" timestamptz not null, "last_activity_at" timestamptz null);`);

    this.addSql(`create table "contact_identity" ("id" serial primary key, "contact_id" int not null, "kind" varchar(255) not null, "value" varchar(255) not null, "unreachable_reason" text null, "created_at" timestamptz not null);`);
    this.addSql(`create index "contact_identity_contact_id_index" on "contact_identity" ("contact_id");`);
    this.addSql(`alter table "contact_identity" add constraint "contact_identity_kind_value_unique" unique ("kind", "value");`);

    this.addSql(`create table "contact_tag" ("id" serial primary key, "contact_id" int not null, "tag" varchar(255) not null);`);
    this.addSql(`create index "contact_tag_tag_index" on "contact_tag" ("tag");`);
    this.addSql(`alter table "contact_tag" add constraint "contact_tag_contact_id_tag_unique" unique ("contact_id", "tag");`);

    this.addSql(`create table "inbox" ("id" serial primary key, "kind" varchar(255) not null, "name" varchar(255) not null, "settings" jsonb not null default '{}', "secret" varchar(255) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);

    this.addSql(`create table "inbox_event" ("id" serial primary key, "type" varchar(255) not null, "inbox_id" int not null, "payload" jsonb not null, "created_at" timestamptz not null);`);
    this.addSql(`create index "inbox_event_inbox_id_index" on "inbox_event" ("inbox_id");`);
    this.addSql(`create index "inbox_event_created_at_index" on "inbox_event" ("created_at");`);

    this.addSql(`create table "operator" ("id" serial primary key, "email" varchar(255) not null, "name" varchar(255) not null, "password_hash" varchar(255) not null, "role" text not null, "active" boolean not null default true, "created_at" timestamptz not null);`);
    this.addSql(`alter table "operator" add constraint "operator_email_unique" unique ("email");`);

    this.addSql(`create table "inbox_member" ("inbox_id" int not null, "operator_id" int not null, primary key ("inbox_id", "operator_id"));`);

    this.addSql(`create table "contact_note" ("id" serial primary key, "contact_id" int not null, "author_id" int null, "body" text not null, "created_at" timestamptz not null);`);
    this.addSql(`create index "contact_note_contact_id_index" on "contact_note" ("contact_id");`);

    this.addSql(`create table "session" ("token_hash" varchar(255) not null, "operator_id" int not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, primary key ("token_hash"));`);
    this.addSql(`create index "session_expires_at_index" on "session" ("expires_at");`);

    this.addSql(`create table "team" ("id" serial primary key, "name" varchar(255) not null, "created_at" timestamptz not null);`);
    this.addSql(`alter table "team" add constraint "team_name_unique" unique ("name");`);

    this.addSql(`create table "inbox_team" ("inbox_id" int not null, "team_id" int not null, primary key ("inbox_id", "team_id"));`);

    this.addSql(`create table "conversation" ("id" serial primary key, "inbox_id" int not null, "contact_id" int not null, "external_thread_id" varchar(255) not null, "external_user_id" varchar(255) not null, "status" text not null default 'open', "snoozed_until" timestamptz null, "assignee_id" int null, "team_id" int null, "unread_count" int not null default 0, "last_message_preview" varchar(255) null, "last_activity_at" timestamptz not null, "created_at" timestamptz not null);`);
    this.addSql(`create index "conversation_contact_id_index" on "conversation" ("contact_id");`);
    this.addSql(`create index "conversation_last_activity_at_id_index" on "conversation" ("last_activity_at", "id");`);
    this.addSql(`alter table "conversation" add constraint "conversation_inbox_id_external_thread_id_unique" unique ("inbox_id", "external_thread_id");`);

    this.addSql(`create table "message" ("id" serial primary key, "conversation_id" int not null, "inbox_id" int not null, "direction" text not null, "author_type" text not null, "operator_id" int null, "text" text null, "html" text null, "attachments" jsonb not null default '[]', "external_id" varchar(255) null, "reply_to_external_id" varchar(255) null, "status" text not null, "failure_reason" text null, "private" boolean not null default false, "sent_at" timestamptz null, "created_at" timestamptz not null);`);
    this.addSql(`create index "message_conversation_id_id_index" on "message" ("conversation_id", "id");`);
    this.addSql(`alter table "message" add constraint "message_inbox_id_external_id_unique" unique ("inbox_id", "external_id");`);

    this.addSql(`create table "conversation_label" ("id" serial primary key, "conversation_id" int not null, "label" varchar(255) not null);`);
    this.addSql(`create index "conversation_label_label_index" on "conversation_label" ("label");`);
    this.addSql(`alter table "conversation_label" add constraint "conversation_label_conversation_id_label_unique" unique ("conversation_id", "label");`);

    this.addSql(`create table "team_member" ("team_id" int not null, "operator_id" int not null, primary key ("team_id", "operator_id"));`);

    this.addSql(`alter table "contact_identity" add constraint "contact_identity_contact_id_foreign" foreign key ("contact_id") references "contact" ("id") on delete cascade;`);

    this.addSql(`alter table "contact_tag" add constraint "contact_tag_contact_id_foreign" foreign key ("contact_id") references "contact" ("id") on delete cascade;`);

    this.addSql(`alter table "operator" add constraint "operator_role_check" check ("role" in ('admin', 'operator', 'marketer'));`);

    this.addSql(`alter table "inbox_member" add constraint "inbox_member_inbox_id_foreign" foreign key ("inbox_id") references "inbox" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "inbox_member" add constraint "inbox_member_operator_id_foreign" foreign key ("operator_id") references "operator" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "contact_note" add constraint "contact_note_contact_id_foreign" foreign key ("contact_id") references "contact" ("id") on delete cascade;`);
    this.addSql(`alter table "contact_note" add constraint "contact_note_author_id_foreign" foreign key ("author_id") references "operator" ("id") on delete set null;`);

    this.addSql(`alter table "session" add constraint "session_operator_id_foreign" foreign key ("operator_id") references "operator" ("id") on delete cascade;`);

    this.addSql(`alter table "inbox_team" add constraint "inbox_team_inbox_id_foreign" foreign key ("inbox_id") references "inbox" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "inbox_team" add constraint "inbox_team_team_id_foreign" foreign key ("team_id") references "team" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "conversation" add constraint "conversation_inbox_id_foreign" foreign key ("inbox_id") references "inbox" ("id") on delete cascade;`);
    this.addSql(`alter table "conversation" add constraint "conversation_contact_id_foreign" foreign key ("contact_id") references "contact" ("id");`);
    this.addSql(`alter table "conversation" add constraint "conversation_assignee_id_foreign" foreign key ("assignee_id") references "operator" ("id") on delete set null;`);
    this.addSql(`alter table "conversation" add constraint "conversation_team_id_foreign" foreign key ("team_id") references "team" ("id") on delete set null;`);
    this.addSql(`alter table "conversation" add constraint "conversation_status_check" check ("status" in ('open', 'pending', 'snoozed', 'resolved'));`);

    this.addSql(`alter table "message" add constraint "message_conversation_id_foreign" foreign key ("conversation_id") references "conversation" ("id") on delete cascade;`);
    this.addSql(`alter table "message" add constraint "message_inbox_id_foreign" foreign key ("inbox_id") references "inbox" ("id") on delete cascade;`);
    this.addSql(`alter table "message" add constraint "message_operator_id_foreign" foreign key ("operator_id") references "operator" ("id") on delete set null;`);
    this.addSql(`alter table "message" add constraint "message_direction_check" check ("direction" in ('in', 'out'));`);
    this.addSql(`alter table "message" add constraint "message_author_type_check" check ("author_type" in ('contact', 'operator', 'bot', 'system'));`);
    this.addSql(`alter table "message" add constraint "message_status_check" check ("status" in ('received', 'note', 'queued', 'sending', 'sent', 'failed', 'delivered', 'read', 'unknown'));`);

    this.addSql(`alter table "conversation_label" add constraint "conversation_label_conversation_id_foreign" foreign key ("conversation_id") references "conversation" ("id") on delete cascade;`);

    this.addSql(`alter table "team_member" add constraint "team_member_team_id_foreign" foreign key ("team_id") references "team" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "team_member" add constraint "team_member_operator_id_foreign" foreign key ("operator_id") references "operator" ("id") on update cascade on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "contact_identity" drop constraint "contact_identity_contact_id_foreign";`);
    this.addSql(`alter table "contact_tag" drop constraint "contact_tag_contact_id_foreign";`);
    this.addSql(`alter table "contact_note" drop constraint "contact_note_contact_id_foreign";`);
    this.addSql(`alter table "conversation" drop constraint "conversation_contact_id_foreign";`);
    this.addSql(`alter table "inbox_member" drop constraint "inbox_member_inbox_id_foreign";`);
    this.addSql(`alter table "inbox_team" drop constraint "inbox_team_inbox_id_foreign";`);
    this.addSql(`alter table "conversation" drop constraint "conversation_inbox_id_foreign";`);
    this.addSql(`alter table "message" drop constraint "message_inbox_id_foreign";`);
    this.addSql(`alter table "inbox_member" drop constraint "inbox_member_operator_id_foreign";`);
    this.addSql(`alter table "contact_note" drop constraint "contact_note_author_id_foreign";`);
    this.addSql(`alter table "session" drop constraint "session_operator_id_foreign";`);
    this.addSql(`alter table "conversation" drop constraint "conversation_assignee_id_foreign";`);
    this.addSql(`alter table "message" drop constraint "message_operator_id_foreign";`);
    this.addSql(`alter table "team_member" drop constraint "team_member_operator_id_foreign";`);
    this.addSql(`alter table "inbox_team" drop constraint "inbox_team_team_id_foreign";`);
    this.addSql(`alter table "conversation" drop constraint "conversation_team_id_foreign";`);
    this.addSql(`alter table "team_member" drop constraint "team_member_team_id_foreign";`);
    this.addSql(`alter table "message" drop constraint "message_conversation_id_foreign";`);
    this.addSql(`alter table "conversation_label" drop constraint "conversation_label_conversation_id_foreign";`);

    this.addSql(`drop table if exists "canned_response" cascade;`);
    this.addSql(`drop table if exists "contact" cascade;`);
    this.addSql(`drop table if exists "contact_identity" cascade;`);
    this.addSql(`drop table if exists "contact_tag" cascade;`);
    this.addSql(`drop table if exists "inbox" cascade;`);
    this.addSql(`drop table if exists "inbox_event" cascade;`);
    this.addSql(`drop table if exists "operator" cascade;`);
    this.addSql(`drop table if exists "inbox_member" cascade;`);
    this.addSql(`drop table if exists "contact_note" cascade;`);
    this.addSql(`drop table if exists "session" cascade;`);
    this.addSql(`drop table if exists "team" cascade;`);
    this.addSql(`drop table if exists "inbox_team" cascade;`);
    this.addSql(`drop table if exists "conversation" cascade;`);
    this.addSql(`drop table if exists "message" cascade;`);
    this.addSql(`drop table if exists "conversation_label" cascade;`);
    this.addSql(`drop table if exists "team_member" cascade;`);
  }

}
