//! A build printing one 200 MB line, through the harness and a real
//! sandbox: the server reads it with bounded memory, stores its start with
//! a note of what was cut, and finishes the build. Alone in its test binary
//! so that the process's peak memory is this build's alone.

mod common;
use common::wire_servers;

use std::time::Duration;

use app::model::builds::{BuildEvent, BuildStatus, LogStream};
use common::{
    build_app, build_setup_with, create_spec, local_sandbox_engine, migrated_database, sign_up, start_build,
    stored_events, test_build_settings, wait_for_build,
};
use serde_json::json;
use wire_servers::{messages_api, FakeProvider, ScriptedResponse};

fn tool_call(tool: &str, input: serde_json::Value) -> ScriptedResponse {
    messages_api::tool_use_reply(100, &[("toolu_0", tool, &input)])
}

/// The process's peak resident memory so far, in bytes.
fn peak_memory() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status.lines().find(|line| line.starts_with("VmHWM:")).expect("VmHWM");
    line.split_whitespace().nth(1).and_then(|kb| kb.parse::<u64>().ok()).expect("a number of kB") * 1024
}

#[tokio::test(flavor = "multi_thread")]
async fn a_two_hundred_megabyte_line_is_cut_without_growing_the_servers_memory() {
    let list = json!([{ "description": "Print", "passes": true }]).to_string();
    let fake = FakeProvider::start(vec![
        tool_call(
            "run_command",
            json!({ "command": "head -c 200000000 /dev/zero | tr '\\0' x; echo; echo after" }),
        ),
        tool_call("write_file", json!({ "path": "feature_list.json", "content": list })),
        ScriptedResponse::event_stream(vec![
            messages_api::text_reply(&["Done."], "end_turn", 10, 5).into_bytes()
        ]),
    ])
    .await;
    let agent = fake.anthropic_agent();
    let database = migrated_database().await;
    let setup = build_setup_with(test_build_settings(1), std::sync::Arc::new(local_sandbox_engine()), agent);
    let app = build_app(&database, setup);
    let user = sign_up(&app.router, "loud@example.com").await;
    let spec = create_spec(&app.router, &user, "Loud", "# Loud\n- prints").await;
    let before = peak_memory();
    let build = start_build(&app.router, &user, spec["id"].as_str().unwrap()).await;
    let build = wait_for_build(&app.router, &user, build.id, Duration::from_secs(120), |build| {
        matches!(build.status, BuildStatus::Completed | BuildStatus::Failed)
    })
    .await;
    let growth = peak_memory().saturating_sub(before);
    eprintln!("peak memory grew by {} KB while a 200 MB line was printed", growth / 1024);
    assert_eq!(build.status, BuildStatus::Completed, "{build:#?}");
    assert!(growth < 16 * 1024 * 1024, "peak memory grew by {growth} bytes");

    let output: Vec<String> = stored_events(&database.pool, build.id)
        .await
        .into_iter()
        .filter_map(|stored| match stored.event {
            BuildEvent::Log { stream: LogStream::Stdout, line } => Some(line),
            _ => None,
        })
        .collect();
    assert_eq!(output.len(), 2, "the long line and the next");
    assert!(
        output[0].starts_with("xxxx") && output[0].ends_with("more bytes …]"),
        "{}",
        &output[0][output[0].len() - 60..]
    );
    assert!(output[0].len() < 64 * 1024, "the stored line is cut: {} bytes", output[0].len());
    assert_eq!(output[1], "after");
}
