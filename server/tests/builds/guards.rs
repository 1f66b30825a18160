//! The build engine driven by a model that speaks Anthropic's real wire
//! protocol from a local server, scripted turn by turn: cancel kills what
//! runs in the sandbox, the loop guard and the stall limit stop a build that
//! goes round in circles, a rate-limited provider pauses the build until its
//! reset and it then resumes by itself, an overloaded one is retried with
//! backoff and then waited out, the token budget and the working time
//! (counted while a session runs) pause it, and an initializer paused
//! midway is repeated before any coding session.

use crate::common;
use crate::common::wire_servers;

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::model::builds::{BuildDetail, BuildEvent, BuildStatus, LogStream};
use common::{
    build_app, build_setup_with, create_spec, local_sandbox_engine, migrated_database, sign_up, start_build,
    stored_events, test_build_settings, wait_for_build, As, BuildApp, TestDatabase, TestUser,
};
use serde_json::{json, Value};
use server::builds::BuildSettings;
use server::http::BuildSetup;
use server::llm::prices::ModelPrices;
use server::llm::retry::RetryPolicy;
use uuid::Uuid;
use wire_servers::{messages_api, FakeProvider, ScriptedResponse};

/// A reply in which the model calls `tool` with `input`.
fn tool_call(id: &str, tool: &str, input: Value, input_tokens: u64) -> ScriptedResponse {
    messages_api::tool_use_reply(input_tokens, &[(id, tool, &input)])
}

/// The build's statuses began queued, running, paused, running again.
async fn assert_paused_then_resumed(pool: &server::db::DbPool, build: Uuid) {
    let statuses: Vec<BuildStatus> = stored_events(pool, build)
        .await
        .into_iter()
        .filter_map(|stored| match stored.event {
            BuildEvent::Status { status, .. } => Some(status),
            _ => None,
        })
        .collect();
    assert_eq!(
        &statuses[..4],
        &[BuildStatus::Queued, BuildStatus::Running, BuildStatus::Paused, BuildStatus::Running]
    );
}

fn setup(fake: &FakeProvider, settings: BuildSettings) -> BuildSetup {
    build_setup_with(settings, Arc::new(local_sandbox_engine()), fake.anthropic_agent())
}

/// A build by `fake`'s model, with a stall limit of two, once two sessions
/// in a row made no progress and paused it; with the app that ran it.
async fn paused_after_two_stalled_sessions(
    database: &TestDatabase,
    fake: &FakeProvider,
    email: &str,
) -> (BuildApp, BuildDetail) {
    let settings = BuildSettings { max_stalled_sessions: 2, ..test_build_settings(1) };
    let app = build_app(database, setup(fake, settings));
    let user = sign_up(&app.router, email).await;
    let spec = create_spec(&app.router, &user, "Loop", "# Loop\n- goes round").await;
    let build = start_build(&app.router, &user, spec["id"].as_str().unwrap()).await;
    let build = wait_for_build(&app.router, &user, build.id, Duration::from_secs(30), |build| {
        build.status == BuildStatus::Paused
    })
    .await;
    let reason = build.status_reason.clone().unwrap_or_default();
    assert!(reason.contains("2 sessions in a row"), "{reason}");
    assert_eq!(build.sessions, 2);
    (app, build)
}

/// Whether a process whose command line contains `marker` is alive.
fn process_alive(marker: &str) -> bool {
    std::fs::read_dir("/proc").into_iter().flatten().flatten().any(|entry| {
        std::fs::read(entry.path().join("cmdline"))
            .map(|line| String::from_utf8_lossy(&line).replace('\0', " ").contains(marker))
            .unwrap_or(false)
    })
}

async fn wait_until(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    condition()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_working_time_limit_ends_a_session_of_long_commands_midway_and_pauses_the_build() {
    let marker = format!("done-{}", Uuid::now_v7().simple());
    // The first at once, then three of 30 s each.
    let calls: Vec<(String, Value)> = (1..=4)
        .map(|n| {
            let pause = if n == 1 { 0 } else { 30 };
            (format!("toolu_{n}"), json!({ "command": format!("sleep {pause}; echo {marker}-{n}") }))
        })
        .collect();
    let calls: Vec<(&str, &str, &Value)> =
        calls.iter().map(|(id, input)| (id.as_str(), "run_command", input)).collect();
    let fake = FakeProvider::start(vec![messages_api::tool_use_reply(100, &calls)]).await;
    let database = migrated_database().await;
    let settings = BuildSettings { max_active_time: Duration::from_secs(10), ..test_build_settings(1) };
    let app = build_app(&database, setup(&fake, settings));
    let user = sign_up(&app.router, "overtime@example.com").await;
    let spec = create_spec(&app.router, &user, "Sleeper", "# Sleeper\n- sleeps").await;
    let build = start_build(&app.router, &user, spec["id"].as_str().unwrap()).await;

    // The time worked is on the build while its first session still runs:
    // a server killed now would not lose it.
    let working =
        wait_for_build(&app.router, &user, build.id, Duration::from_secs(9), |build| build.active_secs >= 3)
            .await;
    assert_eq!((working.status, working.sessions), (BuildStatus::Running, 0), "{working:#?}");
    let build = wait_for_build(&app.router, &user, build.id, Duration::from_secs(60), |build| {
        build.status == BuildStatus::Paused
    })
    .await;
    let reason = build.status_reason.clone().unwrap_or_default();
    assert!(reason.contains("the build's limit"), "{reason}");
    assert!((10..=13).contains(&build.active_secs), "10 s worked, counted once: {build:#?}");
    let output: Vec<String> = stored_events(&database.pool, build.id)
        .await
        .into_iter()
        .filter_map(|stored| match stored.event {
            BuildEvent::Log { stream: LogStream::Stdout, line } if line.contains(&marker) => Some(line),
            _ => None,
        })
        .collect();
    // 10 s to work: the session ends in the second command, not 90 s later.
    assert!(output.iter().any(|line| line.ends_with("-1")), "the first command ran: {output:?}");
    assert!(!output.iter().any(|line| line.ends_with("-2")), "the session ran past its time: {output:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_kills_every_process_in_the_sandbox_within_five_seconds() {
    let marker = format!("marker-{}", Uuid::now_v7().simple());
    let command = format!("sleep 600 & sleep 600; echo {marker}");
    let fake =
        FakeProvider::start(vec![tool_call("toolu_1", "run_command", json!({ "command": command }), 100)])
            .await;
    let database = migrated_database().await;
    let app = build_app(&database, setup(&fake, test_build_settings(1)));
    let user = sign_up(&app.router, "cancel@example.com").await;
    let spec = create_spec(&app.router, &user, "Sleeper", "# Sleeper\n- sleeps").await;
    let build = start_build(&app.router, &user, spec["id"].as_str().unwrap()).await;

    assert!(
        wait_until(Duration::from_secs(30), || process_alive(&marker)).await,
        "the command never started"
    );
    let response =
        common::api(&app.router, "POST", &format!("/api/builds/{}/cancel", build.id), As::User(&user), None)
            .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let cancelled_at = Instant::now();
    assert!(
        wait_until(Duration::from_secs(5), || !process_alive(&marker)).await,
        "a sandboxed process outlived the cancel by 5 seconds"
    );
    eprintln!("sandbox emptied {:?} after the cancel", cancelled_at.elapsed());

    let build = wait_for_build(&app.router, &user, build.id, Duration::from_secs(10), |build| {
        build.status == BuildStatus::Cancelled
    })
    .await;
    assert_eq!(build.status_reason.as_deref(), Some("Cancelled by you."));
    // The run ended quietly: nothing after the cancel claims the build went on.
    let events = stored_events(&database.pool, build.id).await;
    let last_status = events.iter().rev().find_map(|stored| match &stored.event {
        BuildEvent::Status { status, .. } => Some(*status),
        _ => None,
    });
    assert_eq!(last_status, Some(BuildStatus::Cancelled));
    let again =
        common::api(&app.router, "POST", &format!("/api/builds/{}/cancel", build.id), As::User(&user), None)
            .await;
    assert_eq!(again.status, 409, "{}", again.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_repeating_one_call_is_ended_and_stalled_sessions_pause_the_build() {
    let same = || tool_call("toolu_x", "list_files", json!({ "pattern": "*.none" }), 50);
    // Two sessions of three identical calls each; the guard ends each at the third.
    let fake = FakeProvider::start((0..6).map(|_| same()).collect()).await;
    let database = migrated_database().await;
    let (_app, build) = paused_after_two_stalled_sessions(&database, &fake, "loops@example.com").await;
    assert_eq!(fake.requests().len(), 6, "each session stopped at its third identical call");
    let guard_errors = stored_events(&database.pool, build.id)
        .await
        .into_iter()
        .filter(|stored| matches!(&stored.event, BuildEvent::Error { message, .. } if message.starts_with("Loop guard")))
        .count();
    assert_eq!(guard_errors, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rate_limited_provider_pauses_the_build_until_its_reset_then_it_resumes_by_itself() {
    let limited = ScriptedResponse::json(
        429,
        messages_api::error_body(
            "rate_limit_error",
            "Number of request tokens has exceeded your per-minute rate limit",
        ),
    )
    .with_header("retry-after", "2");
    let end_turn = ScriptedResponse::event_stream(vec![messages_api::text_reply(
        &["Nothing to do."],
        "end_turn",
        10,
        5,
    )
    .into_bytes()]);
    let fake = FakeProvider::start(vec![limited, end_turn]).await;
    let database = migrated_database().await;
    let settings = BuildSettings { max_stalled_sessions: 2, ..test_build_settings(1) };
    let app = build_app(&database, setup(&fake, settings));
    let user = sign_up(&app.router, "limited@example.com").await;
    let spec = create_spec(&app.router, &user, "Limited", "# Limited\n- waits").await;
    let build = start_build(&app.router, &user, spec["id"].as_str().unwrap()).await;

    let paused = wait_for_build(&app.router, &user, build.id, Duration::from_secs(20), |build| {
        build.status == BuildStatus::Paused
    })
    .await;
    let paused_at = Instant::now();
    assert!(paused.resume_at.is_some(), "a rate-limit pause names when it resumes: {paused:#?}");
    let reason = paused.status_reason.clone().unwrap_or_default();
    assert!(reason.contains("rate limited") && reason.contains("resumes by itself"), "{reason}");

    // It resumes by itself after the reset and asks the provider again.
    let deadline = Instant::now() + Duration::from_secs(20);
    while fake.requests().len() < 2 {
        assert!(Instant::now() < deadline, "the build never resumed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        paused_at.elapsed() >= Duration::from_millis(1500),
        "resumed before the reset: {:?}",
        paused_at.elapsed()
    );
    assert_paused_then_resumed(&database.pool, build.id).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_overloaded_provider_is_retried_with_backoff_then_the_build_pauses_and_goes_on_once_it_recovers() {
    // Overloaded (529, no retry-after) for five requests in a row, then answering.
    let overloaded =
        || ScriptedResponse::json(529, messages_api::error_body("overloaded_error", "Overloaded"));
    let end_turn = ScriptedResponse::event_stream(vec![messages_api::text_reply(
        &["Nothing to do."],
        "end_turn",
        10,
        5,
    )
    .into_bytes()]);
    let mut script: Vec<ScriptedResponse> = (0..5).map(|_| overloaded()).collect();
    script.push(end_turn);
    let fake = FakeProvider::start(script).await;
    let retry =
        RetryPolicy { max_retries: 2, base_delay: Duration::from_millis(200), ..RetryPolicy::default() };
    let pause = Duration::from_secs(2);
    let settings =
        BuildSettings { max_stalled_sessions: 2, provider_busy_pause: pause, ..test_build_settings(1) };
    let setup =
        build_setup_with(settings, Arc::new(local_sandbox_engine()), fake.anthropic_agent_retrying(retry));
    let database = migrated_database().await;
    let app = build_app(&database, setup);
    let user = sign_up(&app.router, "overloaded@example.com").await;
    let spec = create_spec(&app.router, &user, "Busy", "# Busy\n- waits").await;
    let build = start_build(&app.router, &user, spec["id"].as_str().unwrap()).await;

    let paused = wait_for_build(&app.router, &user, build.id, Duration::from_secs(20), |build| {
        build.status == BuildStatus::Paused
    })
    .await;
    let reason = paused.status_reason.clone().unwrap_or_default();
    assert!(reason.contains("overloaded") && reason.contains("resumes by itself"), "{reason}");
    assert!(paused.resume_at.is_some());

    // It goes on by itself and gets its answer.
    let deadline = Instant::now() + Duration::from_secs(30);
    while fake.requests().len() < 6 {
        assert!(Instant::now() < deadline, "the build never got through: {} requests", fake.requests().len());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let at: Vec<Instant> = fake.requests().iter().map(|request| request.received_at).collect();
    let gaps: Vec<Duration> = at.windows(2).map(|pair| pair[1] - pair[0]).collect();
    // Within one session's request: backoff, doubling (200 ms, then 400 ms).
    assert!(gaps[0] >= Duration::from_millis(180) && gaps[1] >= Duration::from_millis(380), "{gaps:?}");
    assert!(gaps[1] > gaps[0], "the backoff grows: {gaps:?}");
    // Between the sessions: the build's pause.
    assert!(gaps[2] >= pause - Duration::from_millis(100), "{gaps:?}");
    assert_paused_then_resumed(&database.pool, build.id).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn reaching_the_token_budget_pauses_the_build_and_a_resume_grants_another() {
    // The build's page shows the budget spent and what the tokens cost at the configured price.
    let expensive = || tool_call("toolu_b", "list_files", json!({}), 3_000);
    let fake = FakeProvider::start(vec![expensive(), expensive()]).await;
    let database = migrated_database().await;
    let settings = BuildSettings { token_budget: 2_000, ..test_build_settings(1) };
    let priced = BuildSetup {
        prices: ModelPrices::parse("claude-test=3/15").expect("a valid price list"),
        ..setup(&fake, settings)
    };
    let app = build_app(&database, priced);
    let user = sign_up(&app.router, "budget@example.com").await;
    let spec = create_spec(&app.router, &user, "Budget", "# Budget\n- costs").await;
    let build = start_build(&app.router, &user, spec["id"].as_str().unwrap()).await;

    let paused = wait_for_build(&app.router, &user, build.id, Duration::from_secs(20), |build| {
        build.status == BuildStatus::Paused
    })
    .await;
    assert!(paused.status_reason.as_deref().unwrap_or_default().contains("budget"), "{paused:#?}");
    assert_eq!(fake.requests().len(), 1, "no request after the budget was spent");
    assert!(paused.input_tokens >= 3_000, "{paused:#?}");
    assert!(paused.resume_at.is_none(), "a budget pause waits for a person");
    assert_eq!(paused.token_budget, 2_000);
    assert_eq!(paused.budget_used, paused.input_tokens + paused.output_tokens);
    // $3 per million in, $15 per million out: 3 and 15 millionths of a dollar a token.
    assert_eq!(paused.cost_estimate_micro_usd, Some(paused.input_tokens * 3 + paused.output_tokens * 15));

    let response =
        common::api(&app.router, "POST", &format!("/api/builds/{}/resume", build.id), As::User(&user), None)
            .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.json()["budget_used"], 0, "a resume grants a whole budget again");
    let deadline = Instant::now() + Duration::from_secs(20);
    while fake.requests().len() < 2 {
        assert!(Instant::now() < deadline, "the resumed build did not ask again");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A feature list of one feature, passing or not yet.
fn one_feature(passes: bool) -> String {
    json!([{ "category": "core", "description": "Greets", "steps": ["open it"], "passes": passes }])
        .to_string()
}

/// A reply in which the model writes `content` as the feature list.
fn write_feature_list(id: &str, content: &str) -> ScriptedResponse {
    tool_call(id, "write_file", json!({ "path": "feature_list.json", "content": content }), 100)
}

/// A reply in which the model says it is done.
fn end_turn() -> ScriptedResponse {
    ScriptedResponse::event_stream(vec![messages_api::text_reply(&["Done."], "end_turn", 10, 5).into_bytes()])
}

/// A reply whose connection closes midway.
fn cut_off() -> ScriptedResponse {
    ScriptedResponse::event_stream(vec![messages_api::cut_off_reply(&["Setting up"]).into_bytes()])
}

/// A build of a one-line spec by `fake`'s model, just started.
async fn start_greeter(
    database: &TestDatabase,
    fake: &FakeProvider,
    email: &str,
) -> (BuildApp, TestUser, Uuid) {
    let app = build_app(database, setup(fake, test_build_settings(1)));
    let user = sign_up(&app.router, email).await;
    let spec = create_spec(&app.router, &user, "Greeter", "# Greeter\n- greets").await;
    let build = start_build(&app.router, &user, spec["id"].as_str().unwrap()).await;
    (app, user, build.id)
}

/// The opening message of each session the model was asked for, in order:
/// it says whether the session is an initializer or a coding one.
fn session_openings(fake: &FakeProvider) -> Vec<String> {
    fake.requests()
        .iter()
        .filter(|request| request.messages().len() == 1)
        .map(|request| request.messages()[0]["content"].to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_initializer_cut_short_after_writing_the_feature_list_is_repeated_before_any_coding() {
    let marker = format!("marker-{}", Uuid::now_v7().simple());
    let fake = FakeProvider::start(vec![
        // The first initializer writes the plan, then is paused while it sets the project up.
        write_feature_list("toolu_1", &one_feature(false)),
        tool_call("toolu_2", "run_command", json!({ "command": format!("sleep 600; echo {marker}") }), 100),
        // The second finishes the set-up; then one coding session builds the feature.
        end_turn(),
        write_feature_list("toolu_3", &one_feature(true)),
        end_turn(),
    ])
    .await;
    let database = migrated_database().await;
    let (app, user, build) = start_greeter(&database, &fake, "interrupted@example.com").await;

    assert!(wait_until(Duration::from_secs(30), || process_alive(&marker)).await, "the set-up never started");
    let path = format!("/api/builds/{build}/pause");
    let paused = common::api(&app.router, "POST", &path, As::User(&user), None).await;
    assert_eq!(paused.status, 200, "{}", paused.body);
    wait_for_build(&app.router, &user, build, Duration::from_secs(10), |build| {
        build.status == BuildStatus::Paused
    })
    .await;
    let path = format!("/api/builds/{build}/resume");
    let resumed = common::api(&app.router, "POST", &path, As::User(&user), None).await;
    assert_eq!(resumed.status, 200, "{}", resumed.body);

    let done =
        wait_for_build(&app.router, &user, build, Duration::from_secs(30), |build| build.status.is_final())
            .await;
    assert_eq!(done.status, BuildStatus::Completed, "{done:#?}");
    let openings = session_openings(&fake);
    assert_eq!(openings.len(), 3, "{openings:#?}");
    assert!(openings[0].contains("initializer") && openings[0].contains("first session"), "{}", openings[0]);
    assert!(openings[1].contains("initializer") && openings[1].contains("cut short"), "{}", openings[1]);
    assert!(openings[2].contains("coding"), "{}", openings[2]);
    // The build remembers which session finished the plan, for a work directory restored later.
    let planned = format!("SELECT planned_in_session::bigint AS value FROM builds WHERE id = '{build}'");
    assert_eq!(common::number_from(&database.pool, &planned).await, Some(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_cut_off_midway_still_counts_the_input_tokens_its_provider_billed() {
    let fake = FakeProvider::start(vec![cut_off(), cut_off()]).await;
    let database = migrated_database().await;
    let (_app, build) = paused_after_two_stalled_sessions(&database, &fake, "billed@example.com").await;
    // Each reply's `message_start` said 25 input tokens before the cut.
    assert_eq!(build.input_tokens, 50);
}

#[tokio::test(flavor = "multi_thread")]
async fn initializers_whose_replies_keep_failing_midway_count_towards_the_stall_limit() {
    let fake =
        FakeProvider::start(vec![write_feature_list("toolu_1", &one_feature(false)), cut_off(), cut_off()])
            .await;
    let database = migrated_database().await;
    paused_after_two_stalled_sessions(&database, &fake, "unfinished@example.com").await;
    // Neither session coded: the plan was never finished.
    assert_eq!(fake.requests().len(), 3);
    assert!(session_openings(&fake).iter().all(|opening| opening.contains("initializer")));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plan_made_again_after_the_list_broke_must_finish_before_coding_resumes() {
    let fake = FakeProvider::start(vec![
        // Planned; then a coding session breaks the list.
        write_feature_list("toolu_1", &one_feature(false)),
        end_turn(),
        write_feature_list("toolu_2", "not a list"),
        end_turn(),
        // Planning again writes a list but is cut off; only the next one finishes.
        write_feature_list("toolu_3", &one_feature(false)),
        cut_off(),
        end_turn(),
        write_feature_list("toolu_4", &one_feature(true)),
        end_turn(),
    ])
    .await;
    let database = migrated_database().await;
    let (app, user, build) = start_greeter(&database, &fake, "broken@example.com").await;

    let done =
        wait_for_build(&app.router, &user, build, Duration::from_secs(30), |build| build.status.is_final())
            .await;
    assert_eq!(done.status, BuildStatus::Completed, "{done:#?}");
    let kinds: Vec<&str> = session_openings(&fake)
        .iter()
        .map(|opening| if opening.contains("initializer") { "plan" } else { "code" })
        .collect();
    assert_eq!(kinds, ["plan", "code", "plan", "plan", "code"]);
}
