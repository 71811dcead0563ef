import { Migration } from '@mikro-orm/migrations';

export class Migration20261125164211 extends Migration {

  override name = 'Migration20261125164211';

  override up(): void | Promise<void> {
    this.addSql(`create table "consent_record" ("id" serial primary key, "contact_id" int not null, "channel" varchar(255) not null, "status" text not null, "source" varchar(255) not null, "text" text null, "operator_id" int null, "campaign_id" int null, "created_at" timestamptz not null);`);
    this.addSql(`create index "consent_record_contact_id_channel_id_index" on "consent_record" ("contact_id", "channel", "id");`);

    this.addSql(`create table "segment" ("id" serial primary key, "name" varchar(255) not null, "filter" jsonb not null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "segment" add constraint "segment_name_unique" unique ("name");`);

    this.addSql(`create table "suppression" ("id" serial primary key, "channel" varchar(255) not null, "address" varchar(255) not null, "reason" text not null, "note" text null, "campaign_id" int null, "created_at" timestamptz not null);`);
    this.addSql(`alter table "suppression" add constraint "suppression_channel_address_unique" unique ("channel", "address");`);

    this.addSql(`create table "template" ("id" serial primary key, "name" varchar(255) not null, "bodies" jsonb not null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "template" add constraint "template_name_unique" unique ("name");`);

    this.addSql(`create table "campaign" ("id" serial primary key, "name" varchar(255) not null, "kind" text not null default 'one-off', "state" text not null default 'draft', "template_id" int null, "segment_id" int null, "channels" jsonb not null, "scheduled_at" timestamptz null, "timezone" varchar(255) not null default 'UTC', "quiet_hours" jsonb null, "send_time" varchar(255) null, "track_opens" boolean not null default false, "track_clicks" boolean not null default false, "require_opt_in" boolean not null default false, "snapshot" jsonb null, "secret" varchar(255) not null, "generation" int not null default 0, "expand_cursor" int not null default 0, "expanded_at" timestamptz null, "created_by_id" int null, "started_at" timestamptz null, "paused_at" timestamptz null, "completed_at" timestamptz null, "cancelled_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`create index "campaign_state_index" on "campaign" ("state");`);

    this.addSql(`create table "campaign_recipient" ("id" serial primary key, "campaign_id" int not null, "contact_id" int not null, "inbox_id" int not null, "occurrence" varchar(255) not null default '', "step" int not null default 0, "address" varchar(255) not null, "status" text not null, "failure_reason" text null, "external_id" varchar(255) null, "deferred_until" timestamptz null, "sent_at" timestamptz null, "opened_at" timestamptz null, "clicked_at" timestamptz null, "unsubscribed_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`create index "campaign_recipient_contact_id_index" on "campaign_recipient" ("contact_id");`);
    this.addSql(`create index "campaign_recipient_campaign_id_status_index" on "campaign_recipient" ("campaign_id", "status");`);
    this.addSql(`create index "campaign_recipient_inbox_id_external_id_index" on "campaign_recipient" ("inbox_id", "external_id");`);
    this.addSql(`alter table "campaign_recipient" add constraint "campaign_recipient_campaign_id_contact_id_inbox_i_3bc58_unique" unique ("campaign_id", "contact_id", "inbox_id", "occurrence");`);

    this.addSql(`alter table "consent_record" add constraint "consent_record_contact_id_foreign" foreign key ("contact_id") references "contact" ("id") on delete cascade;`);
    this.addSql(`alter table "consent_record" add constraint "consent_record_status_check" check ("status" in ('opt-in', 'opt-out'));`);

    this.addSql(`alter table "suppression" add constraint "suppression_reason_check" check ("reason" in ('unsubscribed', 'bounced', 'blocked', 'invalid', 'complained', 'manual'));`);

    this.addSql(`alter table "campaign" add constraint "campaign_template_id_foreign" foreign key ("template_id") references "template" ("id") on delete set null;`);
    this.addSql(`alter table "campaign" add constraint "campaign_segment_id_foreign" foreign key ("segment_id") references "segment" ("id") on delete set null;`);
    this.addSql(`alter table "campaign" add constraint "campaign_created_by_id_foreign" foreign key ("created_by_id") references "operator" ("id") on delete set null;`);
    this.addSql(`alter table "campaign" add constraint "campaign_kind_check" check ("kind" in ('one-off', 'birthday'));`);
    this.addSql(`alter table "campaign" add constraint "campaign_state_check" check ("state" in ('draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled'));`);

    this.addSql(`alter table "campaign_recipient" add constraint "campaign_recipient_campaign_id_foreign" foreign key ("campaign_id") references "campaign" ("id") on delete cascade;`);
    this.addSql(`alter table "campaign_recipient" add constraint "campaign_recipient_contact_id_foreign" foreign key ("contact_id") references "contact" ("id") on delete cascade;`);
    this.addSql(`alter table "campaign_recipient" add constraint "campaign_recipient_inbox_id_foreign" foreign key ("inbox_id") references "inbox" ("id") on delete cascade;`);
    this.addSql(`alter table "campaign_recipient" add constraint "campaign_recipient_status_check" check ("status" in ('queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'unknown', 'skipped', 'cancelled'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "campaign" drop constraint "campaign_segment_id_foreign";`);
    this.addSql(`alter table "campaign" drop constraint "campaign_template_id_foreign";`);
    this.addSql(`alter table "campaign_recipient" drop constraint "campaign_recipient_campaign_id_foreign";`);

    this.addSql(`drop table if exists "consent_record" cascade;`);
    this.addSql(`drop table if exists "segment" cascade;`);
    this.addSql(`drop table if exists "suppression" cascade;`);
    this.addSql(`drop table if exists "template" cascade;`);
    this.addSql(`drop table if exists "campaign" cascade;`);
    this.addSql(`drop table if exists "campaign_recipient" cascade;`);
  }

}
