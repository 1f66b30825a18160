//! Chats with the spec assistant through the REST API, answered by the
//! built-in offline model: questions, specs saved from replies, replies
//! that stream, stop, retry and survive restarts, and the hourly limit.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use app::model::chats::{
    ChatDetail, ChatMessage, ChatSummary, MessageRole, ReplyEvent, ReplyStatus, MAX_MESSAGE_BYTES,
};
use app::model::spec_block::{split_reply, SPEC_CLOSE, SPEC_OPEN};
use app::model::specs::SpecDetail;
use common::{
    api, app_with_slow_assistant, body_as, call_server_fn_as, create_token, get_as, migrated_database,
    offline_assistant, run_sql, serve, sign_up, start_chat, test_app, wait_for_reply, As, TestDatabase,
    TestResponse, TestServer, TestUser,
};
use serde_json::json;
use server::chats::ChatService;
use server::llm::offline::reply_to;
use server::llm::{prompts, CompletionRequest, LlmConfig, Message};
use server::specs::SpecService;
use uuid::Uuid;

const IDEA: &str = "A recipe box called Family Table for families to share weekly meal plans.";
const ANSWERS: &str = "1. Parents planning dinners\n\
    2. save recipes, plan the week, build a shopping list\n\
    3. Recipes and plans. Pages: week view, recipe page\n\
    4. Rust and Postgres, in docker";
/// An idea the offline model answers with a spec at once, several hundred
/// tokens long: seconds of streaming on the slow test app.
const SPEC_NOW: &str = "Write the spec for a habit tracker with streaks and reminders, go ahead.";

/// What the offline model answers to a conversation of user and assistant
/// turns, the user's first.
fn offline_reply(said: &[&str]) -> String {
    let messages = said
        .iter()
        .enumerate()
        .map(|(index, text)| if index % 2 == 0 { Message::user(*text) } else { Message::assistant(*text) })
        .collect();
    reply_to(&CompletionRequest {
        system: prompts::spec_chat(),
        messages,
        tools: Vec::new(),
        max_tokens: LlmConfig::default().max_tokens,
    })
}

fn last_message(chat: &ChatDetail) -> &ChatMessage {
    chat.messages.last().expect("the chat has messages")
}

async fn get_chat(app: &axum::Router, user: &TestUser, id: Uuid) -> ChatDetail {
    let response = get_as(app, &format!("/api/chats/{id}"), As::User(user)).await;
    assert_eq!(response.status, 200, "{}", response.body);
    body_as(&response)
}

/// Reads the chat until its reply being written shows some text, and
/// answers the chat as it then is.
async fn wait_for_partial_reply(app: &axum::Router, user: &TestUser, id: Uuid) -> ChatDetail {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let chat = get_chat(app, user, id).await;
        let reply = last_message(&chat);
        assert_eq!(reply.status, ReplyStatus::Streaming, "the reply ended before it was seen: {reply:?}");
        if !reply.content.is_empty() {
            return chat;
        }
        assert!(tokio::time::Instant::now() < deadline, "no text after 10 s");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn save_spec(app: &axum::Router, user: &TestUser, chat_id: Uuid, message_id: Uuid) -> TestResponse {
    let body = json!({ "message_id": message_id, "name": "Family Table" });
    api(app, "POST", &format!("/api/chats/{chat_id}/specs"), As::User(user), Some(body)).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chat_started_with_an_idea_gets_the_assistants_questions_persisted() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let message = format!("{IDEA}\nIt should work on phones.");

    let started = start_chat(&app, &user, &message).await;
    assert_eq!(started.title, IDEA, "the title is the first line of the message");
    assert_eq!(started.messages[0].content, message);
    assert_eq!(started.assistant, "offline · offline-spec-writer");

    let chat = wait_for_reply(&app, As::User(&user), started.id).await;
    let roles: Vec<MessageRole> = chat.messages.iter().map(|message| message.role).collect();
    assert_eq!(roles, [MessageRole::User, MessageRole::Assistant]);
    let reply = last_message(&chat);
    assert_eq!((reply.status, reply.error.as_deref()), (ReplyStatus::Complete, None));
    assert!(reply.content.contains("Who will use it?"), "{}", reply.content);
    assert_eq!(reply.content, offline_reply(&[message.as_str()]));
    assert!(split_reply(&reply.content).spec.is_none(), "questions come before any spec");
    assert_eq!(reply.model.as_deref(), Some("offline-spec-writer"));
    assert!(reply.input_tokens.is_some_and(|tokens| tokens > 0), "{reply:?}");
    assert!(reply.output_tokens.is_some_and(|tokens| tokens > 0), "{reply:?}");

    let listed = api(&app, "GET", "/api/chats", As::User(&user), None).await;
    let listed: Vec<ChatSummary> = body_as(&listed);
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].id, listed[0].message_count, listed[0].is_replying), (chat.id, 2, false));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_spec_in_a_reply_to_the_answers_is_saved_as_a_spec_linked_to_the_chat() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let chat = start_chat(&app, &user, IDEA).await;
    let questions = last_message(&wait_for_reply(&app, As::User(&user), chat.id).await).clone();

    let path = format!("/api/chats/{}/messages", chat.id);
    let sent = api(&app, "POST", &path, As::User(&user), Some(json!({ "message": ANSWERS }))).await;
    assert_eq!(sent.status, 202, "{}", sent.body);
    let answered = wait_for_reply(&app, As::User(&user), chat.id).await;
    assert_eq!(answered.messages.len(), 4);
    let reply = last_message(&answered);
    assert_eq!(reply.status, ReplyStatus::Complete);
    let block = split_reply(&reply.content).spec.expect("the reply holds a spec block");
    assert!(block.is_complete);
    assert!(block.content.contains("Parents planning dinners"), "{}", block.content);

    let saved = save_spec(&app, &user, chat.id, reply.id).await;
    assert_eq!(saved.status, 201, "{}", saved.body);
    let spec: SpecDetail = body_as(&saved);
    assert_eq!(spec.content, block.content);
    assert!(!spec.content.contains(SPEC_OPEN) && !spec.content.contains(SPEC_CLOSE));
    assert_eq!((spec.name.as_str(), spec.chat_id), ("Family Table", Some(chat.id)));

    let read = api(&app, "GET", &format!("/api/specs/{}", spec.id), As::User(&user), None).await;
    assert_eq!(body_as::<SpecDetail>(&read).content, block.content);
    let saved_specs = get_chat(&app, &user, chat.id).await.saved_specs;
    assert_eq!(saved_specs.len(), 1);
    assert_eq!((saved_specs[0].id, saved_specs[0].name.as_str()), (spec.id, "Family Table"));

    let without_spec = save_spec(&app, &user, chat.id, questions.id).await;
    assert_eq!(without_spec.status, 422, "{}", without_spec.body);
    let own_message = save_spec(&app, &user, chat.id, answered.messages[0].id).await;
    assert_eq!(own_message.status, 404, "a user's message is no reply: {}", own_message.body);

    let other_chat = start_chat(&app, &user, SPEC_NOW).await;
    let other_reply = last_message(&wait_for_reply(&app, As::User(&user), other_chat.id).await).id;
    let elsewhere = save_spec(&app, &user, chat.id, other_reply).await;
    assert_eq!(elsewhere.status, 404, "{}", elsewhere.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn sending_while_a_reply_is_being_written_is_a_conflict() {
    let database = migrated_database().await;
    let app = app_with_slow_assistant(database.pool.clone());
    let user = sign_up(&app, "ada@example.com").await;
    let chat = start_chat(&app, &user, SPEC_NOW).await;
    assert!(chat.is_replying());

    let path = format!("/api/chats/{}/messages", chat.id);
    let sent = api(&app, "POST", &path, As::User(&user), Some(json!({ "message": "Add tags too" }))).await;
    assert_eq!(sent.status, 409, "{}", sent.body);
    assert_eq!(sent.json()["error"]["code"], "conflict");
    let retried = api(&app, "POST", &format!("/api/chats/{}/retry", chat.id), As::User(&user), None).await;
    assert_eq!(retried.status, 409, "{}", retried.body);
    let chat_id = chat.id.to_string();
    let form = [("chat_id", chat_id.as_str()), ("message", "Add tags too")];
    let by_server_fn = call_server_fn_as(&app, "/fn/send_chat_message", As::User(&user), &form).await;
    assert_eq!(by_server_fn.status, 409, "{}", by_server_fn.body);
    assert_eq!(get_chat(&app, &user, chat.id).await.messages.len(), 2, "nothing was added");

    let stopped = api(&app, "POST", &format!("/api/chats/{}/stop", chat.id), As::User(&user), None).await;
    assert_eq!(stopped.status, 200, "{}", stopped.body);
    let sent = api(&app, "POST", &path, As::User(&user), Some(json!({ "message": "Add tags too" }))).await;
    assert_eq!(sent.status, 202, "after Stop the chat takes messages again: {}", sent.body);
    api(&app, "POST", &format!("/api/chats/{}/stop", chat.id), As::User(&user), None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn stop_keeps_the_partial_reply_as_stopped() {
    let database = migrated_database().await;
    let app = app_with_slow_assistant(database.pool.clone());
    let user = sign_up(&app, "ada@example.com").await;
    let chat = start_chat(&app, &user, SPEC_NOW).await;
    wait_for_partial_reply(&app, &user, chat.id).await;

    let stopped = api(&app, "POST", &format!("/api/chats/{}/stop", chat.id), As::User(&user), None).await;
    assert_eq!(stopped.status, 200, "{}", stopped.body);
    let stopped: ChatDetail = body_as(&stopped);
    let reply = last_message(&stopped).clone();
    assert_eq!((reply.status, reply.error.as_deref()), (ReplyStatus::Stopped, None));
    let whole = offline_reply(&[SPEC_NOW]);
    assert!(!reply.content.is_empty(), "the text so far is kept");
    assert!(
        reply.content.len() < whole.len() && whole.starts_with(&reply.content),
        "not a beginning of the whole reply: {:?}",
        reply.content
    );

    // Long enough for several more tokens, had the reply gone on.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let later = get_chat(&app, &user, chat.id).await;
    assert!(!later.is_replying());
    let kept = last_message(&later);
    assert_eq!((kept.id, kept.status, &kept.content), (reply.id, ReplyStatus::Stopped, &reply.content));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_being_written_survives_a_page_reload() {
    let database = migrated_database().await;
    let app = app_with_slow_assistant(database.pool.clone());
    let user = sign_up(&app, "ada@example.com").await;
    let chat = start_chat(&app, &user, SPEC_NOW).await;
    let whole = offline_reply(&[SPEC_NOW]);

    // What a reload shows while the reply is written: the text so far.
    let reloaded = wait_for_partial_reply(&app, &user, chat.id).await;
    let partial = last_message(&reloaded).content.clone();
    assert!(whole.starts_with(&partial), "{partial:?}");
    let listed: Vec<ChatSummary> = body_as(&api(&app, "GET", "/api/chats", As::User(&user), None).await);
    assert!(listed[0].is_replying);

    tokio::time::sleep(Duration::from_millis(200)).await;
    let later = get_chat(&app, &user, chat.id).await;
    let grown = &last_message(&later).content;
    assert!(grown.len() > partial.len() && whole.starts_with(grown.as_str()), "{grown:?}");
    api(&app, "POST", &format!("/api/chats/{}/stop", chat.id), As::User(&user), None).await;
}

/// One server-sent event: its `event:` name and its data.
struct StreamedEvent {
    name: String,
    event: ReplyEvent,
}

/// One block of an event stream; `None` for comments (keep-alives).
fn parse_event(block: &str) -> Option<StreamedEvent> {
    let mut name = None;
    let mut data = String::new();
    for line in block.lines() {
        if let Some(value) = line.strip_prefix("event:") {
            name = Some(value.trim().to_owned());
        } else if let Some(value) = line.strip_prefix("data:") {
            data.push_str(value.strip_prefix(' ').unwrap_or(value));
        }
    }
    let name = name?;
    let event = serde_json::from_str(&data).unwrap_or_else(|error| panic!("{name} data ({error}): {data}"));
    Some(StreamedEvent { name, event })
}

/// Reads a reply stream as it arrives, until `done` or `idle`.
async fn read_reply_stream(mut response: reqwest::Response) -> Vec<StreamedEvent> {
    let mut received: Vec<u8> = Vec::new();
    let mut events = Vec::new();
    let reading = async {
        while let Some(chunk) = response.chunk().await.expect("read the stream") {
            received.extend_from_slice(&chunk);
            while let Some(end) = received.windows(2).position(|pair| pair == b"\n\n") {
                let block: Vec<u8> = received.drain(..end + 2).collect();
                let Some(event) = parse_event(std::str::from_utf8(&block).expect("UTF-8 events")) else {
                    continue;
                };
                let is_last = matches!(event.event, ReplyEvent::Done { .. } | ReplyEvent::Idle);
                events.push(event);
                if is_last {
                    return;
                }
            }
        }
        panic!("the stream ended without `done`");
    };
    tokio::time::timeout(Duration::from_secs(30), reading).await.expect("the reply finishes within 30 s");
    events
}

/// Opens the chat's reply stream on `served`, as a script holding `secret`.
async fn open_reply_stream(served: &TestServer, secret: &str, chat_id: Uuid) -> reqwest::Response {
    // No proxy: the test server is on this machine, whatever the environment says.
    let client = reqwest::Client::builder().no_proxy().build().expect("an HTTP client");
    client
        .get(format!("http://{}/api/chats/{chat_id}/reply", served.address))
        .bearer_auth(secret)
        .send()
        .await
        .expect("connect to the test server")
}

/// A reply stream read as a snapshot, deltas (at least one) and `done`:
/// the reply's id, how it ended, and the text they add up to.
fn added_up(events: &[StreamedEvent]) -> (Uuid, ReplyStatus, Option<String>, String) {
    let received: Vec<&ReplyEvent> = events.iter().map(|streamed| &streamed.event).collect();
    let [ReplyEvent::Snapshot { message_id, content }, pieces @ .., ReplyEvent::Done { status, error, .. }] =
        received.as_slice()
    else {
        panic!("not snapshot, deltas, done: {received:?}");
    };
    assert!(!pieces.is_empty(), "the reply arrives in pieces");
    let mut text = content.clone();
    for piece in pieces {
        let ReplyEvent::Delta { message_id: of, text: more } = piece else {
            panic!("not a delta: {piece:?}")
        };
        assert_eq!(of, message_id);
        text.push_str(more);
    }
    (*message_id, *status, error.clone(), text)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_reply_stream_sends_a_snapshot_then_deltas_then_done() {
    let database = migrated_database().await;
    let app = app_with_slow_assistant(database.pool.clone());
    let served = serve(app.clone()).await;
    let user = sign_up(&app, "ada@example.com").await;
    let (_, secret) = create_token(&app, &user, "stream reader").await;
    // The questions: about a hundred tokens, two seconds on the slow app.
    let chat = start_chat(&app, &user, IDEA).await;
    let reply_id = last_message(&chat).id;

    let response = open_reply_stream(&served, &secret, chat.id).await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers().get("content-type").and_then(|value| value.to_str().ok());
    assert_eq!(content_type, Some("text/event-stream"));
    let events = read_reply_stream(response).await;

    for streamed in &events {
        assert_eq!(streamed.name, streamed.event.name(), "the event name matches its data");
    }
    let (message_id, status, error, streamed) = added_up(&events);
    assert_eq!((message_id, status, error.as_deref()), (reply_id, ReplyStatus::Complete, None));
    let saved = get_chat(&app, &user, chat.id).await;
    let reply = last_message(&saved);
    assert_eq!((reply.id, reply.status), (reply_id, ReplyStatus::Complete));
    assert_eq!(streamed, reply.content, "snapshot and deltas add up to the saved reply");
}

/// Two server processes on one database, as behind a load balancer: the
/// one that writes a reply, and another that leaves it alone when it
/// starts, streams it as the writer saves it, and stops it.
#[tokio::test(flavor = "multi_thread")]
async fn a_reply_one_server_writes_is_followed_and_stopped_through_another_which_leaves_it_alone_at_start() {
    let database = migrated_database().await;
    let writer = app_with_slow_assistant(database.pool.clone());
    let other = app_with_slow_assistant(database.pool.clone());
    let served = serve(other.clone()).await;
    let user = sign_up(&writer, "ada@example.com").await;
    let (_, secret) = create_token(&writer, &user, "stream reader").await;
    // The questions: about a hundred tokens, two seconds on the slow app.
    let chat = start_chat(&writer, &user, IDEA).await;
    let reply_id = last_message(&chat).id;

    let starting = ChatService::new(
        database.pool.clone(),
        offline_assistant(),
        Arc::new(SpecService::new(database.pool.clone(), Default::default())),
        Default::default(),
    );
    assert_eq!(starting.recover_interrupted_replies().await.expect("recover"), 0, "it is being written");

    let events = read_reply_stream(open_reply_stream(&served, &secret, chat.id).await).await;
    let (message_id, status, _, streamed) = added_up(&events);
    assert_eq!((message_id, status), (reply_id, ReplyStatus::Complete));
    let saved = get_chat(&other, &user, chat.id).await;
    assert_eq!(streamed, last_message(&saved).content, "snapshot and deltas add up to the saved reply");

    // Stop, pressed on the server that is not writing the reply, stops it.
    let chat = start_chat(&writer, &user, SPEC_NOW).await;
    wait_for_partial_reply(&writer, &user, chat.id).await;
    let stopped = api(&other, "POST", &format!("/api/chats/{}/stop", chat.id), As::User(&user), None).await;
    assert_eq!(stopped.status, 200, "{}", stopped.body);
    let reply = last_message(&body_as::<ChatDetail>(&stopped)).clone();
    assert_eq!((reply.status, reply.error.as_deref()), (ReplyStatus::Stopped, None));
    let whole = offline_reply(&[SPEC_NOW]);
    assert!(!reply.content.is_empty() && reply.content.len() < whole.len(), "{:?}", reply.content);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let later = last_message(&get_chat(&writer, &user, chat.id).await).clone();
    assert_eq!((later.status, later.content), (ReplyStatus::Stopped, reply.content), "the writer stopped");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chat_deleted_through_another_server_stops_the_reply_its_writer_was_streaming() {
    let database = migrated_database().await;
    let writer = app_with_slow_assistant(database.pool.clone());
    let other = app_with_slow_assistant(database.pool.clone());
    let served = serve(writer.clone()).await;
    let user = sign_up(&writer, "ada@example.com").await;
    let (_, secret) = create_token(&writer, &user, "stream reader").await;
    let chat = start_chat(&writer, &user, SPEC_NOW).await;
    wait_for_partial_reply(&writer, &user, chat.id).await;
    let following = open_reply_stream(&served, &secret, chat.id).await;

    let deleted = api(&other, "DELETE", &format!("/api/chats/{}", chat.id), As::User(&user), None).await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    // The writer finds the reply gone at its next save (within a second)
    // and stops, long before the whole spec would have been written.
    let started = std::time::Instant::now();
    let events = read_reply_stream(following).await;
    assert!(started.elapsed() < Duration::from_secs(5), "the writer went on for {:?}", started.elapsed());
    let Some(ReplyEvent::Done { status, error, .. }) = events.last().map(|streamed| &streamed.event) else {
        panic!("the stream ended without `done`");
    };
    assert_eq!(*status, ReplyStatus::Interrupted);
    assert_eq!(error.as_deref(), Some("This reply stopped being written before it was finished."));
    let gone = api(&writer, "GET", &format!("/api/chats/{}", chat.id), As::User(&user), None).await;
    assert_eq!(gone.status, 404, "{}", gone.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_follower_reading_another_servers_reply_from_the_database_ends_when_its_server_shuts_down() {
    let database = migrated_database().await;
    let writer = app_with_slow_assistant(database.pool.clone());
    let stopping = common::slow_assistant_state(database.pool.clone());
    let served = serve(server::http::router(stopping.clone())).await;
    let user = sign_up(&writer, "ada@example.com").await;
    let (_, secret) = create_token(&writer, &user, "stream reader").await;
    let chat = start_chat(&writer, &user, SPEC_NOW).await;
    wait_for_partial_reply(&writer, &user, chat.id).await;
    let mut following = open_reply_stream(&served, &secret, chat.id).await;
    assert!(following.chunk().await.expect("the snapshot").is_some());

    // Its server stopping, the follower ends at once rather than holding
    // the shutdown up until the other server finishes the reply.
    stopping.chats.begin_shutdown();
    let ended = tokio::time::timeout(Duration::from_secs(3), async {
        while let Ok(Some(_)) = following.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the follower stayed open while its server shut down");
    let reply = last_message(&get_chat(&writer, &user, chat.id).await).clone();
    assert_eq!(reply.status, ReplyStatus::Streaming, "the writer goes on with the reply");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_reply_stream_says_idle_when_nothing_is_being_written_and_hides_other_users_chats() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let other = sign_up(&app, "bob@example.com").await;
    let chat = start_chat(&app, &user, IDEA).await;
    wait_for_reply(&app, As::User(&user), chat.id).await;
    let path = format!("/api/chats/{}/reply", chat.id);

    // The stream ends after `idle`, so the whole body can be read.
    let idle = api(&app, "GET", &path, As::User(&user), None).await;
    assert_eq!(idle.status, 200, "{}", idle.body);
    let events: Vec<ReplyEvent> =
        idle.body.split("\n\n").filter_map(parse_event).map(|streamed| streamed.event).collect();
    assert_eq!(events, [ReplyEvent::Idle]);

    let hidden = api(&app, "GET", &path, As::User(&other), None).await;
    assert_eq!(hidden.status, 404, "{}", hidden.body);
    assert!(!hidden.body.contains(&chat.id.to_string()));
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_replaces_the_last_answer() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let chat = start_chat(&app, &user, IDEA).await;
    let first = wait_for_reply(&app, As::User(&user), chat.id).await;
    let first_reply = last_message(&first).clone();

    let retried = api(&app, "POST", &format!("/api/chats/{}/retry", chat.id), As::User(&user), None).await;
    assert_eq!(retried.status, 202, "{}", retried.body);
    let again = wait_for_reply(&app, As::User(&user), chat.id).await;
    assert_eq!(again.messages.len(), first.messages.len());
    assert_eq!(again.messages[0], first.messages[0], "the question is kept");
    let new_reply = last_message(&again);
    assert_ne!(new_reply.id, first_reply.id);
    assert_eq!((new_reply.role, new_reply.status), (MessageRole::Assistant, ReplyStatus::Complete));
    assert_eq!(new_reply.content, first_reply.content, "the offline model answers the same again");
}

/// A finished reply marked `streaming` again, as a server that stopped
/// mid-reply leaves it: the database says streaming, but no task writes it.
async fn reply_left_streaming(
    app: &axum::Router,
    database: &TestDatabase,
    user: &TestUser,
) -> (ChatDetail, ChatMessage) {
    let chat = start_chat(app, user, IDEA).await;
    let written = last_message(&wait_for_reply(app, As::User(user), chat.id).await).clone();
    run_sql(
        &database.pool,
        &format!("UPDATE chat_messages SET status = 'streaming' WHERE id = '{}'", written.id),
    )
    .await;
    (chat, written)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_left_streaming_by_a_stopped_server_is_marked_interrupted_keeping_its_text() {
    let (app, database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let (chat, written) = reply_left_streaming(&app, &database, &user).await;

    let restarted = ChatService::new(
        database.pool.clone(),
        offline_assistant(),
        Arc::new(SpecService::new(database.pool.clone(), Default::default())),
        Default::default(),
    );
    assert_eq!(restarted.recover_interrupted_replies().await.expect("recover"), 1);

    let recovered = get_chat(&app, &user, chat.id).await;
    let reply = last_message(&recovered);
    assert_eq!((reply.id, reply.status), (written.id, ReplyStatus::Interrupted));
    assert_eq!(reply.content, written.content, "its text is kept");
    let error = reply.error.as_deref().unwrap_or_default();
    assert!(error.contains("server restarted"), "{error:?}");
    assert!(!recovered.is_replying());
}

#[tokio::test(flavor = "multi_thread")]
async fn stop_ends_a_reply_that_nothing_is_writing_any_more() {
    let (app, database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let (chat, written) = reply_left_streaming(&app, &database, &user).await;

    let stopped = api(&app, "POST", &format!("/api/chats/{}/stop", chat.id), As::User(&user), None).await;
    assert_eq!(stopped.status, 200, "{}", stopped.body);
    let reply = last_message(&body_as::<ChatDetail>(&stopped)).clone();
    assert_eq!((reply.id, reply.status), (written.id, ReplyStatus::Interrupted));
    assert_eq!(reply.content, written.content, "its text is kept");
}

/// A server that crashed mid-reply and came back within the reply's lease
/// does not know the reply was its own: the chat waits for the lease only.
#[tokio::test(flavor = "multi_thread")]
async fn a_reply_whose_server_died_blocks_its_chat_only_until_its_lease_lapses() {
    let (app, database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let (chat, written) = reply_left_streaming(&app, &database, &user).await;
    let lease = |until: &str| {
        format!("UPDATE chat_messages SET writer_lease_until = {until} WHERE id = '{}'", written.id)
    };
    run_sql(&database.pool, &lease("now() + interval '30 seconds'")).await;
    let path = format!("/api/chats/{}/messages", chat.id);
    let held = api(&app, "POST", &path, As::User(&user), Some(json!({ "message": "more" }))).await;
    assert_eq!(held.status, 409, "the lease still holds: {}", held.body);

    run_sql(&database.pool, &lease("now() - interval '1 second'")).await;
    let sent = api(&app, "POST", &path, As::User(&user), Some(json!({ "message": "more" }))).await;
    assert_eq!(sent.status, 202, "the chat takes messages again: {}", sent.body);
    let chat = wait_for_reply(&app, As::User(&user), chat.id).await;
    let abandoned = chat.messages.iter().find(|message| message.id == written.id).expect("the old reply");
    assert_eq!((abandoned.status, &abandoned.content), (ReplyStatus::Interrupted, &written.content));
    assert_eq!(last_message(&chat).status, ReplyStatus::Complete, "the new reply was written");
}

#[tokio::test(flavor = "multi_thread")]
async fn sends_racing_into_one_chat_take_one_turn_and_cost_one_model_request() {
    let database = migrated_database().await;
    let app = app_with_slow_assistant(database.pool.clone());
    let user = sign_up(&app, "ada@example.com").await;
    let chat = start_chat(&app, &user, IDEA).await;
    wait_for_reply(&app, As::User(&user), chat.id).await;

    let path = format!("/api/chats/{}/messages", chat.id);
    let sends =
        (0..6).map(|_| api(&app, "POST", &path, As::User(&user), Some(json!({ "message": "Add tags" }))));
    let mut statuses: Vec<u16> =
        futures_util::future::join_all(sends).await.iter().map(|sent| sent.status).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [202, 409, 409, 409, 409, 409]);
    let counted = common::number_from(
        &database.pool,
        &format!("SELECT count(*) AS value FROM model_requests WHERE user_id = '{}'", user.id),
    )
    .await;
    assert_eq!(counted, Some(2), "the first message and the one send that was answered");
    api(&app, "POST", &format!("/api/chats/{}/stop", chat.id), As::User(&user), None).await;
}

/// Sixty requests to the assistant by `user`, made at `made_at` (SQL).
async fn record_model_requests(database: &TestDatabase, user: &TestUser, made_at: &str) {
    run_sql(
        &database.pool,
        &format!(
            "INSERT INTO model_requests (user_id, purpose, created_at) \
             SELECT '{}'::uuid, 'chat', {made_at} FROM generate_series(1, 60)",
            user.id
        ),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sixty_first_model_request_in_an_hour_is_refused_with_a_retry_after() {
    let (app, database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    record_model_requests(&database, &user, "now()").await;

    let refused = api(&app, "POST", "/api/chats", As::User(&user), Some(json!({ "message": IDEA }))).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(refused.json()["error"]["code"], "too_many_requests");
    let message = refused.json()["error"]["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains("hour"), "{message}");
    let retry_after: u64 = refused
        .headers
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
        .expect("a Retry-After in seconds");
    assert!((3500..=3600).contains(&retry_after), "{retry_after}");
    let listed: Vec<ChatSummary> = body_as(&api(&app, "GET", "/api/chats", As::User(&user), None).await);
    assert!(listed.is_empty(), "a refused start leaves no empty chat behind");

    let refine = json!({ "content": "# Notes\n\nWrite notes." });
    let refused = api(&app, "POST", "/api/specs/refine", As::User(&user), Some(refine)).await;
    assert_eq!(refused.status, 429, "refinements count too: {}", refused.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn model_requests_older_than_an_hour_do_not_count_and_are_forgotten() {
    let (app, database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    record_model_requests(&database, &user, "now() - interval '2 hours'").await;

    let started = api(&app, "POST", "/api/chats", As::User(&user), Some(json!({ "message": IDEA }))).await;
    assert_eq!(started.status, 202, "{}", started.body);

    let mut connection = database.pool.get().await.expect("a connection");
    let forgotten = server::chats::repo::forget_uncounted_model_requests(&mut connection).await.unwrap();
    assert_eq!(forgotten, 60, "the old ones go");
    let forgotten = server::chats::repo::forget_uncounted_model_requests(&mut connection).await.unwrap();
    assert_eq!(forgotten, 0, "this hour's request stays, to be counted");
}

#[tokio::test(flavor = "multi_thread")]
async fn blank_and_oversized_messages_and_blank_titles_are_refused() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let start = |message: String| {
        api(&app, "POST", "/api/chats", As::User(&user), Some(json!({ "message": message })))
    };

    let blank = start(" \n\t ".into()).await;
    assert_eq!(
        (blank.status, blank.json()["error"]["message"].as_str()),
        (422, Some("Write a message first."))
    );
    let oversized = start("a".repeat(MAX_MESSAGE_BYTES + 1)).await;
    assert_eq!(oversized.status, 413, "{}", &oversized.body[..oversized.body.len().min(300)]);
    let listed: Vec<ChatSummary> = body_as(&api(&app, "GET", "/api/chats", As::User(&user), None).await);
    assert!(listed.is_empty(), "nothing was started");

    let chat = start_chat(&app, &user, IDEA).await;
    wait_for_reply(&app, As::User(&user), chat.id).await;
    let path = format!("/api/chats/{}/messages", chat.id);
    let blank = api(&app, "POST", &path, As::User(&user), Some(json!({ "message": "   " }))).await;
    assert_eq!(blank.status, 422, "{}", blank.body);

    let chat_path = format!("/api/chats/{}", chat.id);
    let untitled = api(&app, "PATCH", &chat_path, As::User(&user), Some(json!({ "title": "  " }))).await;
    assert_eq!(untitled.status, 422, "{}", untitled.body);
    let renamed =
        api(&app, "PATCH", &chat_path, As::User(&user), Some(json!({ "title": " Family Table " }))).await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(body_as::<ChatDetail>(&renamed).title, "Family Table");
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_chat_keeps_the_specs_saved_from_it() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let chat = start_chat(&app, &user, SPEC_NOW).await;
    let reply = last_message(&wait_for_reply(&app, As::User(&user), chat.id).await).id;
    let saved = save_spec(&app, &user, chat.id, reply).await;
    assert_eq!(saved.status, 201, "{}", saved.body);
    let spec: SpecDetail = body_as(&saved);

    let path = format!("/api/chats/{}", chat.id);
    assert_eq!(api(&app, "DELETE", &path, As::User(&user), None).await.status, 204);
    assert_eq!(api(&app, "GET", &path, As::User(&user), None).await.status, 404);
    let listed: Vec<ChatSummary> = body_as(&api(&app, "GET", "/api/chats", As::User(&user), None).await);
    assert!(listed.is_empty());

    let kept = api(&app, "GET", &format!("/api/specs/{}", spec.id), As::User(&user), None).await;
    assert_eq!(kept.status, 200, "{}", kept.body);
    let kept: SpecDetail = body_as(&kept);
    assert_eq!((kept.content, kept.chat_id), (spec.content, None));
}

#[tokio::test(flavor = "multi_thread")]
async fn refining_a_draft_keeps_it_and_adds_the_missing_sections() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let draft = "# Notes\n\n## Core features\n\n1. Write notes\n2. Search them";

    let refine = |content: &str| {
        api(&app, "POST", "/api/specs/refine", As::User(&user), Some(json!({ "content": content })))
    };

    let refined = refine(draft).await;
    assert_eq!(refined.status, 200, "{}", refined.body);
    let content = refined.json()["content"].as_str().expect("the refined content").to_owned();
    assert!(content.starts_with(draft), "{content}");
    for section in ["## Data model", "## Non-functional requirements", "## Definition of done"] {
        assert!(content.contains(section), "missing {section:?} in\n{content}");
    }
    assert!(!content.contains(SPEC_OPEN) && !content.contains(SPEC_CLOSE));

    let blank = refine(" \n ").await;
    assert_eq!(blank.status, 422, "{}", blank.body);
}

/// The app, with `provider` (a local server speaking a provider's protocol)
/// writing the assistant's replies.
async fn app_answered_by(provider: Arc<dyn server::llm::LlmProvider>) -> (axum::Router, TestDatabase) {
    let assistant = server::chats::AssistantSettings { provider, max_tokens: 1_000, max_continuations: 0 };
    let database = migrated_database().await;
    let app = server::http::router(common::app_state(
        database.pool.clone(),
        common::test_auth_config(),
        assistant,
        common::idle_build_setup(),
    ));
    (app, database)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_overloaded_provider_is_retried_then_a_reply_it_could_not_give_says_so_and_a_retry_gets_through() {
    use common::wire_servers::{messages_api, FakeProvider, ScriptedResponse};
    let overloaded =
        || ScriptedResponse::json(529, messages_api::error_body("overloaded_error", "Overloaded"));
    let reply = |text: &str| {
        ScriptedResponse::event_stream(
            vec![messages_api::text_reply(&[text], "end_turn", 10, 3).into_bytes()],
        )
    };
    // The first message: overloaded twice, then answered. The second: overloaded
    // past every retry. Its retry: answered.
    let fake = FakeProvider::start(vec![
        overloaded(),
        overloaded(),
        reply("Who is it for?"),
        overloaded(),
        overloaded(),
        overloaded(),
        reply("Noted: parents."),
    ])
    .await;
    let retry = server::llm::retry::RetryPolicy {
        max_retries: 2,
        base_delay: Duration::from_millis(100),
        ..Default::default()
    };
    let (app, _database) = app_answered_by(fake.anthropic_agent_retrying(retry)).await;
    let user = sign_up(&app, "busy@example.com").await;

    let chat = start_chat(&app, &user, IDEA).await;
    let answered = wait_for_reply(&app, As::User(&user), chat.id).await;
    let first = last_message(&answered);
    assert_eq!((first.status, first.content.as_str()), (ReplyStatus::Complete, "Who is it for?"));

    let sent = api(
        &app,
        "POST",
        &format!("/api/chats/{}/messages", chat.id),
        As::User(&user),
        Some(json!({ "message": "Parents." })),
    )
    .await;
    assert_eq!(sent.status, 202, "{}", sent.body);
    let failed = wait_for_reply(&app, As::User(&user), chat.id).await;
    let failed = last_message(&failed);
    assert_eq!(failed.status, ReplyStatus::Failed);
    let error = failed.error.clone().unwrap_or_default();
    assert!(error.contains("unavailable") && error.contains("Overloaded"), "the person is told why: {error}");

    let retried = api(&app, "POST", &format!("/api/chats/{}/retry", chat.id), As::User(&user), None).await;
    assert_eq!(retried.status, 202, "{}", retried.body);
    let again = wait_for_reply(&app, As::User(&user), chat.id).await;
    let again = last_message(&again);
    assert_eq!((again.status, again.content.as_str()), (ReplyStatus::Complete, "Noted: parents."));
    assert_eq!(fake.requests().len(), 7, "each failure was retried, with nothing extra");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chat_longer_than_the_model_can_read_sends_its_newest_messages_and_says_the_rest_is_left_out() {
    use common::wire_servers::{messages_api, FakeProvider, ScriptedResponse};
    use server::chats::context::{CONTEXT_BUDGET_BYTES, LEFT_OUT_NOTE};
    let reply = |text: &str| {
        ScriptedResponse::event_stream(
            vec![messages_api::text_reply(&[text], "end_turn", 10, 3).into_bytes()],
        )
    };
    let fake =
        FakeProvider::start(vec![reply("Who is it for?"), reply("Noted."), reply("Still here.")]).await;
    let (app, _database) =
        app_answered_by(fake.anthropic_agent_retrying(server::llm::retry::RetryPolicy::default())).await;
    let user = sign_up(&app, "long@example.com").await;
    let chat = start_chat(&app, &user, IDEA).await;
    wait_for_reply(&app, As::User(&user), chat.id).await;

    // Two pasted notes, each over half of what the model reads at once.
    let notes = ["a", "b"].map(|letter| letter.repeat(CONTEXT_BUDGET_BYTES / 2 + 1024));
    for note in &notes {
        let path = format!("/api/chats/{}/messages", chat.id);
        let sent = api(&app, "POST", &path, As::User(&user), Some(json!({ "message": note }))).await;
        assert_eq!(sent.status, 202, "{}", sent.body);
        let answered = wait_for_reply(&app, As::User(&user), chat.id).await;
        assert_eq!(last_message(&answered).status, ReplyStatus::Complete);
    }

    let requests = fake.requests();
    let texts = |index: usize| -> Vec<String> {
        let text = |content: &serde_json::Value| {
            content.as_str().or_else(|| content[0]["text"].as_str()).map(str::to_owned)
        };
        requests[index].messages().iter().map(|message| text(&message["content"]).expect("text")).collect()
    };
    assert_eq!(texts(1).len(), 3, "the idea, its reply and the first note fit whole");
    assert!(!texts(1)[0].starts_with(LEFT_OUT_NOTE));
    let last = texts(2);
    assert_eq!(last.len(), 1, "only the newest note fits, and a reply cannot open the conversation");
    assert_eq!(last[0], format!("{LEFT_OUT_NOTE}{}", notes[1]));
}
