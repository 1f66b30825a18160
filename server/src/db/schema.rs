// Diesel's view of `migrations/`. Kept by hand in the shape `diesel print-schema`
// writes; `tests/migrations.rs` writes and reads every column through it, so a
// drift from the SQL fails the tests.

diesel::table! {
    api_tokens (id) {
        id -> Uuid,
        user_id -> Uuid,
        name -> Text,
        token_hash -> Bytea,
        prefix -> Text,
        created_at -> Timestamptz,
        last_used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    app_spec_versions (spec_id, version) {
        spec_id -> Uuid,
        version -> Int4,
        name -> Text,
        content -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    app_specs (id) {
        id -> Uuid,
        user_id -> Uuid,
        project_id -> Nullable<Uuid>,
        chat_id -> Nullable<Uuid>,
        name -> Text,
        content -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        stored_bytes -> Int8,
    }
}

diesel::table! {
    build_events (build_id, seq) {
        build_id -> Uuid,
        seq -> Int8,
        kind -> Text,
        payload -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    build_artifacts (build_id) {
        build_id -> Uuid,
        state -> Text,
        object_key -> Nullable<Text>,
        size_bytes -> Nullable<Int8>,
        sha256 -> Nullable<Text>,
        file_count -> Nullable<Int4>,
        message -> Nullable<Text>,
        attempts -> Int4,
        claimed_by -> Nullable<Uuid>,
        claimed_until -> Nullable<Timestamptz>,
        stored_at -> Nullable<Timestamptz>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    build_states (build_id) {
        build_id -> Uuid,
        fold_version -> Int4,
        last_seq -> Int8,
        view -> Jsonb,
        kept_at -> Timestamptz,
    }
}

diesel::table! {
    builds (id) {
        id -> Uuid,
        user_id -> Uuid,
        project_id -> Nullable<Uuid>,
        app_spec_id -> Nullable<Uuid>,
        status -> Text,
        spec_content -> Text,
        status_reason -> Nullable<Text>,
        created_at -> Timestamptz,
        started_at -> Nullable<Timestamptz>,
        finished_at -> Nullable<Timestamptz>,
        updated_at -> Timestamptz,
        spec_name -> Text,
        provider -> Text,
        model -> Text,
        input_tokens -> Int8,
        output_tokens -> Int8,
        sessions -> Int4,
        stalled_sessions -> Int4,
        features_passing -> Int4,
        features_total -> Int4,
        active_secs -> Int8,
        limits_from_tokens -> Int8,
        limits_from_sessions -> Int4,
        limits_from_secs -> Int8,
        resume_at -> Nullable<Timestamptz>,
        lease_owner -> Nullable<Uuid>,
        lease_expires_at -> Nullable<Timestamptz>,
        last_event_seq -> Int8,
        event_bytes -> Int8,
        log_lines_dropped -> Int8,
        planned_in_session -> Nullable<Int4>,
    }
}

diesel::table! {
    chat_messages (id) {
        id -> Uuid,
        chat_id -> Uuid,
        role -> Text,
        content -> Text,
        model -> Nullable<Text>,
        input_tokens -> Nullable<Int4>,
        output_tokens -> Nullable<Int4>,
        created_at -> Timestamptz,
        status -> Text,
        error -> Nullable<Text>,
        writer_lease_until -> Nullable<Timestamptz>,
        stop_requested -> Bool,
    }
}

diesel::table! {
    event_writer_groups (writer) {
        writer -> Uuid,
        build_id -> Uuid,
        last_group -> Uuid,
        last_seq -> Nullable<Int8>,
    }
}

diesel::table! {
    model_requests (id) {
        id -> Int8,
        user_id -> Uuid,
        purpose -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    chats (id) {
        id -> Uuid,
        user_id -> Uuid,
        project_id -> Nullable<Uuid>,
        title -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    projects (id) {
        id -> Uuid,
        user_id -> Uuid,
        name -> Text,
        description -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    rate_limits (bucket) {
        bucket -> Text,
        tat -> Timestamptz,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        data -> Jsonb,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    sign_in_failures (id) {
        id -> Int8,
        account_key -> Text,
        client_address -> Nullable<Text>,
        failed_at -> Timestamptz,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        display_name -> Text,
        password_hash -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Uuid,
        webhook_id -> Uuid,
        event -> Text,
        build_id -> Nullable<Uuid>,
        payload -> Text,
        state -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        claimed_by -> Nullable<Uuid>,
        claimed_until -> Nullable<Timestamptz>,
        response_status -> Nullable<Int4>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Uuid,
        user_id -> Uuid,
        url -> Text,
        description -> Text,
        events -> Array<Text>,
        secret -> Text,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(app_spec_versions -> app_specs (spec_id));
diesel::joinable!(app_specs -> chats (chat_id));
diesel::joinable!(app_specs -> projects (project_id));
diesel::joinable!(app_specs -> users (user_id));
diesel::joinable!(build_artifacts -> builds (build_id));
diesel::joinable!(build_events -> builds (build_id));
diesel::joinable!(build_states -> builds (build_id));
diesel::joinable!(builds -> app_specs (app_spec_id));
diesel::joinable!(builds -> projects (project_id));
diesel::joinable!(builds -> users (user_id));
diesel::joinable!(chat_messages -> chats (chat_id));
diesel::joinable!(chats -> projects (project_id));
diesel::joinable!(chats -> users (user_id));
diesel::joinable!(event_writer_groups -> builds (build_id));
diesel::joinable!(model_requests -> users (user_id));
diesel::joinable!(projects -> users (user_id));
diesel::joinable!(webhook_deliveries -> builds (build_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhooks -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    api_tokens,
    app_spec_versions,
    app_specs,
    build_artifacts,
    build_events,
    build_states,
    builds,
    chat_messages,
    chats,
    event_writer_groups,
    model_requests,
    projects,
    rate_limits,
    sessions,
    sign_in_failures,
    users,
    webhook_deliveries,
    webhooks,
);
