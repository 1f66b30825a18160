//! The migrations build the schema the code expects, on an empty database.

use crate::common;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::RunQueryDsl;
use serde_json::json;
use server::db::migrations::{revert_all_migrations, run_pending_migrations, MIGRATIONS};
use server::db::schema::{
    app_specs, build_events, builds, chat_messages, chats, projects, users, webhook_deliveries, webhooks,
};
use uuid::Uuid;

async fn insert_user(connection: &mut diesel_async::AsyncPgConnection, email: &str) -> QueryResult<Uuid> {
    let id = Uuid::now_v7();
    diesel::insert_into(users::table)
        .values((
            users::id.eq(id),
            users::email.eq(email),
            users::display_name.eq("Ada"),
            users::password_hash.eq("$argon2id$placeholder"),
        ))
        .execute(connection)
        .await?;
    Ok(id)
}

#[tokio::test(flavor = "multi_thread")]
async fn migrations_apply_to_an_empty_database_and_round_trip_a_row_in_every_table() {
    let url = common::empty_database().await;
    let applied = run_pending_migrations(&url).await.expect("migrations apply");
    assert_eq!(applied.len(), embedded_migration_count(), "applied: {applied:?}");
    assert!(
        run_pending_migrations(&url).await.expect("second run").is_empty(),
        "a second run applies nothing"
    );

    let pool = server::db::build_pool(&common::database_config(&url)).expect("pool");
    let mut connection = pool.get().await.expect("connection");
    let connection = &mut *connection;

    let user_id = insert_user(connection, "ada@example.com").await.expect("insert user");
    let project_id = Uuid::now_v7();
    diesel::insert_into(projects::table)
        .values((projects::id.eq(project_id), projects::user_id.eq(user_id), projects::name.eq("Todo app")))
        .execute(connection)
        .await
        .expect("insert project");
    let chat_id = Uuid::now_v7();
    diesel::insert_into(chats::table)
        .values((chats::id.eq(chat_id), chats::user_id.eq(user_id), chats::project_id.eq(Some(project_id))))
        .execute(connection)
        .await
        .expect("insert chat");
    diesel::insert_into(chat_messages::table)
        .values((
            chat_messages::id.eq(Uuid::now_v7()),
            chat_messages::chat_id.eq(chat_id),
            chat_messages::role.eq("assistant"),
            chat_messages::content.eq("Here is your spec — ✓"),
            chat_messages::model.eq(Some("offline")),
            chat_messages::input_tokens.eq(Some(12)),
            chat_messages::output_tokens.eq(Some(340)),
        ))
        .execute(connection)
        .await
        .expect("insert message");
    let spec_id = Uuid::now_v7();
    let spec_content = "# Todo app\n\n- add items\n- tick them off\n";
    diesel::insert_into(app_specs::table)
        .values((
            app_specs::id.eq(spec_id),
            app_specs::user_id.eq(user_id),
            app_specs::project_id.eq(Some(project_id)),
            app_specs::chat_id.eq(Some(chat_id)),
            app_specs::name.eq("Todo app"),
            app_specs::content.eq(spec_content),
        ))
        .execute(connection)
        .await
        .expect("insert spec");
    let build_id = Uuid::now_v7();
    diesel::insert_into(builds::table)
        .values((
            builds::id.eq(build_id),
            builds::user_id.eq(user_id),
            builds::project_id.eq(Some(project_id)),
            builds::app_spec_id.eq(Some(spec_id)),
            builds::spec_content.eq(spec_content),
            builds::spec_name.eq("Todo"),
            builds::lease_owner.eq(Some(Uuid::now_v7())),
            builds::resume_at.eq(Some(Utc::now())),
        ))
        .execute(connection)
        .await
        .expect("insert build");
    let payload = json!({ "phase": "initializing", "detail": "writing feature_list.json" });
    diesel::insert_into(build_events::table)
        .values((
            build_events::build_id.eq(build_id),
            build_events::seq.eq(0_i64),
            build_events::kind.eq("phase"),
            build_events::payload.eq(&payload),
        ))
        .execute(connection)
        .await
        .expect("insert event");

    // Read everything back through the same schema.
    let (email, name): (String, String) = users::table
        .find(user_id)
        .select((users::email, users::display_name))
        .first(connection)
        .await
        .expect("read user");
    assert_eq!((email.as_str(), name.as_str()), ("ada@example.com", "Ada"));

    let (content, spec_project): (String, Option<Uuid>) = app_specs::table
        .find(spec_id)
        .select((app_specs::content, app_specs::project_id))
        .first(connection)
        .await
        .expect("read spec");
    assert_eq!(content, spec_content);
    assert_eq!(spec_project, Some(project_id));

    let (status, snapshot, started_at, name, last_seq): (String, String, Option<DateTime<Utc>>, String, i64) =
        builds::table
            .find(build_id)
            .select((
                builds::status,
                builds::spec_content,
                builds::started_at,
                builds::spec_name,
                builds::last_event_seq,
            ))
            .first(connection)
            .await
            .expect("read build");
    assert_eq!(status, "queued", "a new build waits in the queue");
    assert_eq!(snapshot, spec_content);
    assert_eq!(started_at, None);
    assert_eq!((name.as_str(), last_seq), ("Todo", 0));

    let message: (String, Option<i32>) = chat_messages::table
        .filter(chat_messages::chat_id.eq(chat_id))
        .select((chat_messages::content, chat_messages::output_tokens))
        .first(connection)
        .await
        .expect("read message");
    assert_eq!(message, ("Here is your spec — ✓".to_owned(), Some(340)));

    let hook_id = Uuid::now_v7();
    diesel::insert_into(webhooks::table)
        .values((
            webhooks::id.eq(hook_id),
            webhooks::user_id.eq(user_id),
            webhooks::url.eq("https://hooks.example.com/agents"),
            webhooks::events.eq(vec!["build.completed", "build.failed"]),
            webhooks::secret.eq("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        ))
        .execute(connection)
        .await
        .expect("insert webhook");
    diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::id.eq(Uuid::now_v7()),
            webhook_deliveries::webhook_id.eq(hook_id),
            webhook_deliveries::event.eq("build.completed"),
            webhook_deliveries::build_id.eq(Some(build_id)),
            webhook_deliveries::payload.eq(r#"{"type":"build.completed"}"#),
        ))
        .execute(connection)
        .await
        .expect("insert delivery");
    let (events, state, attempts): (Vec<String>, String, i32) = webhooks::table
        .inner_join(webhook_deliveries::table)
        .select((webhooks::events, webhook_deliveries::state, webhook_deliveries::attempts))
        .first(connection)
        .await
        .expect("read webhook and delivery");
    assert_eq!(
        (events, state.as_str(), attempts),
        (vec!["build.completed".to_owned(), "build.failed".to_owned()], "pending", 0)
    );

    let stored: serde_json::Value = build_events::table
        .find((build_id, 0_i64))
        .select(build_events::payload)
        .first(connection)
        .await
        .expect("read event");
    assert_eq!(stored, payload);
}

fn embedded_migration_count() -> usize {
    use diesel::migration::MigrationSource;
    MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS)
        .expect("embedded migrations are readable")
        .len()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_migration_reverts_and_applies_again() {
    let url = common::empty_database().await;
    let applied = run_pending_migrations(&url).await.expect("apply");
    let reverted = revert_all_migrations(&url).await.expect("every down.sql works");
    assert_eq!(reverted.len(), applied.len());
    let reapplied = run_pending_migrations(&url).await.expect("apply again after revert");
    assert_eq!(reapplied, applied);
}

#[tokio::test(flavor = "multi_thread")]
async fn servers_starting_at_once_migrate_the_database_once() {
    let url = common::empty_database().await;
    let (first, second) = tokio::join!(run_pending_migrations(&url), run_pending_migrations(&url));
    let (first, second) = (first.expect("first server migrates"), second.expect("second server migrates"));
    assert_eq!(first.len() + second.len(), embedded_migration_count(), "{first:?} {second:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn emails_are_unique_whatever_their_case() {
    let database = common::migrated_database().await;
    let mut connection = database.pool.get().await.expect("connection");
    insert_user(&mut connection, "Ada@Example.com").await.expect("first account");
    let second = insert_user(&mut connection, "ada@example.COM").await;
    assert!(
        matches!(second, Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _))),
        "a second account with the same email in another case must be refused: {second:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_build_status_is_refused() {
    let database = common::migrated_database().await;
    let mut connection = database.pool.get().await.expect("connection");
    let user_id = insert_user(&mut connection, "grace@example.com").await.expect("user");
    let result = diesel::insert_into(builds::table)
        .values((
            builds::id.eq(Uuid::now_v7()),
            builds::user_id.eq(user_id),
            builds::status.eq("exploded"),
            builds::spec_content.eq("# spec"),
        ))
        .execute(&mut *connection)
        .await;
    assert!(
        matches!(result, Err(DieselError::DatabaseError(DatabaseErrorKind::CheckViolation, _))),
        "{result:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_user_removes_their_builds_and_events() {
    let database = common::migrated_database().await;
    let mut connection = database.pool.get().await.expect("connection");
    let connection = &mut *connection;
    let user_id = insert_user(connection, "linus@example.com").await.expect("user");
    let build_id = Uuid::now_v7();
    diesel::insert_into(builds::table)
        .values((builds::id.eq(build_id), builds::user_id.eq(user_id), builds::spec_content.eq("# spec")))
        .execute(connection)
        .await
        .expect("build");
    diesel::insert_into(build_events::table)
        .values((
            build_events::build_id.eq(build_id),
            build_events::seq.eq(1_i64),
            build_events::kind.eq("log"),
            build_events::payload.eq(json!({ "type": "log", "stream": "system", "line": "queued" })),
        ))
        .execute(connection)
        .await
        .expect("event");

    diesel::delete(users::table.find(user_id)).execute(connection).await.expect("delete user");

    let builds_left: i64 = builds::table.count().get_result(connection).await.expect("count builds");
    let events_left: i64 = build_events::table.count().get_result(connection).await.expect("count events");
    assert_eq!((builds_left, events_left), (0, 0));
}
