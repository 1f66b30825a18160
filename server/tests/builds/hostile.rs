//! Builds that behave like a hostile agent, run for real: a local server
//! speaking Anthropic's wire protocol emits the tool calls, the harness
//! runs them in a real sandbox, and each test shows the platform unharmed.
//! What a build prints cannot stop event storage or grow the log without
//! end; what it does cannot touch the host's files, escape its privileges,
//! hang a worker on a FIFO or a pathological glob, or fill the host's disk.

use crate::common;
use crate::common::wire_servers;

use std::sync::Arc;
use std::time::Duration;

use app::model::artifacts::ArtifactState;
use app::model::builds::{BuildDetail, BuildEvent, BuildStatus, EgressVerdict, LogStream, StoredBuildEvent};
use common::{
    build_app, build_setup_with, create_spec, migrated_database, run_sql, sign_up, start_build,
    stored_events, test_build_settings, wait_for_artifact, wait_for_build, BuildApp, TestDatabase, TestUser,
};
use serde_json::{json, Value};
use server::builds::BuildSettings;
use server::sandbox::local::LocalEngine;
use server::sandbox::{SandboxEngine, SandboxLimits, SandboxNetwork};
use uuid::Uuid;
use wire_servers::{messages_api, FakeProvider, ScriptedResponse};

/// A reply in which the model calls the tools `calls` (name, input) at once.
fn tool_calls(calls: &[(&str, Value)]) -> ScriptedResponse {
    let ids: Vec<String> = (0..calls.len()).map(|index| format!("toolu_{index}")).collect();
    let calls: Vec<(&str, &str, &Value)> =
        calls.iter().zip(&ids).map(|((tool, input), id)| (id.as_str(), *tool, input)).collect();
    messages_api::tool_use_reply(100, &calls)
}

fn run(command: &str) -> (&'static str, Value) {
    ("run_command", json!({ "command": command }))
}

/// The model ends its turn saying `text`.
fn end_turn(text: &str) -> ScriptedResponse {
    ScriptedResponse::event_stream(vec![messages_api::text_reply(&[text], "end_turn", 10, 5).into_bytes()])
}

/// Writing a feature list whose one feature already passes: the build
/// completes after this session.
fn finish_with_passing_feature(description: &str) -> (&'static str, Value) {
    let list = json!([{ "description": description, "steps": ["look"], "passes": true }]);
    ("write_file", json!({ "path": "feature_list.json", "content": list.to_string() }))
}

struct HostileBuild {
    app: BuildApp,
    database: TestDatabase,
    user: TestUser,
    fake: FakeProvider,
}

/// An app whose agent follows `script`, in `engine`'s sandboxes.
async fn hostile_app(
    script: Vec<ScriptedResponse>,
    settings: BuildSettings,
    engine: Arc<dyn SandboxEngine>,
) -> HostileBuild {
    let fake = FakeProvider::start(script).await;
    let database = migrated_database().await;
    let mut setup = build_setup_with(settings, engine, fake.anthropic_agent());
    // These tests look into the work directory once the build is over.
    setup.artifacts.keep_workdirs = true;
    let app = build_app(&database, setup);
    let user = sign_up(&app.router, &format!("{}@example.com", Uuid::now_v7().simple())).await;
    HostileBuild { app, database, user, fake }
}

impl HostileBuild {
    async fn start(&self) -> BuildDetail {
        let spec = create_spec(&self.app.router, &self.user, "Hostile", "# Hostile\n- misbehaves").await;
        start_build(&self.app.router, &self.user, spec["id"].as_str().unwrap()).await
    }

    /// Waits for the build to complete, fail or pause, and for an ended
    /// build's archive, which must be stored whatever the build left behind.
    async fn wait_until_over(&self, build: &BuildDetail, limit: Duration) -> BuildDetail {
        let build = wait_for_build(&self.app.router, &self.user, build.id, limit, |build| {
            matches!(build.status, BuildStatus::Completed | BuildStatus::Failed | BuildStatus::Paused)
        })
        .await;
        if build.status.is_final() {
            let artifact = wait_for_artifact(&self.app.router, &self.user, build.id, limit).await;
            assert_eq!(artifact.state, ArtifactState::Stored, "{artifact:#?}");
        }
        build
    }

    /// Starts a build and waits for it to complete, answering it and its
    /// events, checked to be numbered from 1 with no gap.
    async fn run_to_completion(&self) -> (BuildDetail, Vec<StoredBuildEvent>) {
        let build = self.start().await;
        let build = self.wait_until_over(&build, Duration::from_secs(60)).await;
        assert_eq!(build.status, BuildStatus::Completed, "{build:#?}");
        let events = self.events(&build).await;
        let seqs: Vec<i64> = events.iter().map(|stored| stored.seq).collect();
        assert_eq!(seqs, (1..=events.len() as i64).collect::<Vec<_>>(), "every event stored, no gap");
        (build, events)
    }

    async fn events(&self, build: &BuildDetail) -> Vec<StoredBuildEvent> {
        stored_events(&self.database.pool, build.id).await
    }

    /// The tool results the model was sent, in order: the last request
    /// holds the whole conversation of the (one) session.
    fn tool_results(&self) -> Vec<Value> {
        let requests = self.fake.requests();
        let Some(last) = requests.last() else { return Vec::new() };
        last.messages()
            .iter()
            .filter_map(|message| message["content"].as_array().cloned())
            .flatten()
            .filter(|block| block["type"] == "tool_result")
            .collect()
    }
}

fn log_lines(events: &[StoredBuildEvent], wanted: LogStream) -> Vec<String> {
    events
        .iter()
        .filter_map(|stored| match &stored.event {
            BuildEvent::Log { stream, line } if *stream == wanted => Some(line.clone()),
            _ => None,
        })
        .collect()
}

fn engine_with(limits: SandboxLimits) -> Arc<dyn SandboxEngine> {
    let config = common::sandbox_config(common::sandbox_root(), limits, SandboxNetwork::None);
    Arc::new(LocalEngine::new(config).expect("a sandbox engine with every limit (the tests run as root)"))
}

fn default_engine() -> Arc<dyn SandboxEngine> {
    engine_with(SandboxLimits { timeout: Duration::from_secs(60), ..SandboxLimits::default() })
}

#[tokio::test(flavor = "multi_thread")]
async fn nul_bytes_in_output_model_text_and_features_are_stored_and_the_build_completes() {
    let script = vec![
        tool_calls(&[run("printf 'a\\000b\\n'; printf 'bad \\377 byte\\n'")]),
        tool_calls(&[finish_with_passing_feature("Feature with \u{0} inside")]),
        end_turn("Done \u{0} here."),
    ];
    let hostile = hostile_app(script, test_build_settings(1), default_engine()).await;
    let (_, events) = hostile.run_to_completion().await;
    let output = log_lines(&events, LogStream::Stdout);
    assert!(output.contains(&"a␀b".to_owned()), "{output:?}");
    assert!(output.contains(&"bad \u{FFFD} byte".to_owned()), "{output:?}");
    let system = log_lines(&events, LogStream::System);
    assert!(system.iter().any(|line| line == "agent: Done ␀ here."), "{system:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_the_database_refuses_is_replaced_by_a_note_and_the_rest_are_stored() {
    let script = vec![
        tool_calls(&[run("echo before; echo poison; echo after")]),
        tool_calls(&[finish_with_passing_feature("Survive")]),
        end_turn("Done."),
    ];
    let hostile = hostile_app(script, test_build_settings(1), default_engine()).await;
    // A database that refuses one particular row, as it refused NUL bytes.
    run_sql(
        &hostile.database.pool,
        "CREATE FUNCTION refuse_poison() RETURNS trigger AS $$
         BEGIN
           IF NEW.payload->>'line' = 'poison' THEN RAISE EXCEPTION 'poisoned row'; END IF;
           RETURN NEW;
         END $$ LANGUAGE plpgsql;
         CREATE TRIGGER refuse_poison BEFORE INSERT ON build_events
           FOR EACH ROW EXECUTE FUNCTION refuse_poison();",
    )
    .await;
    let (_, events) = hostile.run_to_completion().await;
    let output = log_lines(&events, LogStream::Stdout);
    assert_eq!(output, ["before", "after"]);
    let note = events.iter().find_map(|stored| match &stored.event {
        BuildEvent::Error { message, .. } if message.contains("could not be stored") => Some(message.clone()),
        _ => None,
    });
    assert!(note.is_some_and(|note| note.contains("A log event")), "a note stands in for the refused line");
}

#[tokio::test(flavor = "multi_thread")]
async fn output_past_the_log_limit_is_counted_with_one_note_and_the_build_goes_on() {
    let script = vec![
        tool_calls(&[run("seq 1 3000; yes '' | head -n 3000")]),
        tool_calls(&[run("echo still running")]),
        tool_calls(&[finish_with_passing_feature("Loud")]),
        end_turn("Done."),
    ];
    let settings = BuildSettings { max_events: 1_000, ..test_build_settings(1) };
    let hostile = hostile_app(script, settings, default_engine()).await;
    let (build, events) = hostile.run_to_completion().await;
    let notes = events
        .iter()
        .filter(|stored| matches!(&stored.event, BuildEvent::Error { message, .. } if message.contains("reached its limit")))
        .count();
    assert_eq!(notes, 1, "one note, however many lines were dropped");
    let output = log_lines(&events, LogStream::Stdout);
    assert!(output.len() < 1_000, "{} output lines stored", output.len());
    assert!(!output.contains(&"still running".to_owned()), "output past the limit is not stored");
    // The platform's own events still are: the build's end is recorded.
    assert!(events
        .iter()
        .any(|stored| matches!(stored.event, BuildEvent::Status { status: BuildStatus::Completed, .. })));
    let mut connection = hostile.database.pool.get().await.unwrap();
    let volume = server::builds::repo::event_volume(&mut connection, build.id).await.unwrap();
    assert!(volume.log_lines_dropped >= 5_000, "{volume:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_out_of_the_work_directory_cannot_be_written_through_even_for_new_directories() {
    let outside = format!("escape-{}", Uuid::now_v7().simple());
    let script = vec![
        tool_calls(&[run("ln -s /tmp x")]),
        tool_calls(&[("write_file", json!({ "path": format!("x/{outside}/f"), "content": "pwned" }))]),
        tool_calls(&[("read_file", json!({ "path": "x/../../etc/passwd" }))]),
        tool_calls(&[finish_with_passing_feature("Escape")]),
        end_turn("Done."),
    ];
    let hostile = hostile_app(script, test_build_settings(1), default_engine()).await;
    let build = hostile.start().await;
    hostile.wait_until_over(&build, Duration::from_secs(60)).await;

    assert!(!std::path::Path::new("/tmp").join(&outside).exists(), "a directory was made on the host");
    let results = hostile.tool_results();
    let refusals: Vec<&Value> = results.iter().filter(|result| result["is_error"] == true).collect();
    assert_eq!(refusals.len(), 2, "{results:#?}");
    assert!(refusals[0]["content"].as_str().unwrap().contains("outside the project"), "{refusals:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_agent_has_no_capability_no_user_namespace_and_no_ptrace() {
    let probe = "grep -E '^Cap(Eff|Bnd|Prm):' /proc/self/status; id -u; \
                 unshare -U true && echo unshare-allowed; \
                 cat /proc/sys/vm/swappiness > /proc/sys/vm/swappiness && echo sysctl-allowed; \
                 echo h > /proc/sysrq-trigger && echo sysrq-allowed; touch made-by-the-agent; \
                 unshare -n true && echo netns-allowed; \
                 python3 -c 'import ctypes; print(\"ptrace\", ctypes.CDLL(None).ptrace(16, 1, 0, 0))'; \
                 python3 -c 'import os; os.mkdir(\"/work/m\"); import ctypes; \
                   print(\"mount\", ctypes.CDLL(None).mount(b\"none\", b\"/work/m\", b\"tmpfs\", 0, None))'";
    let script = vec![
        tool_calls(&[run(probe)]),
        tool_calls(&[finish_with_passing_feature("Probe")]),
        end_turn("Done."),
    ];
    let hostile = hostile_app(script, test_build_settings(1), default_engine()).await;
    let build = hostile.start().await;
    let build = hostile.wait_until_over(&build, Duration::from_secs(60)).await;
    let output = log_lines(&hostile.events(&build).await, LogStream::Stdout);
    for capability in ["CapPrm", "CapEff", "CapBnd"] {
        assert!(output.contains(&format!("{capability}:\t0000000000000000")), "{capability}: {output:?}");
    }
    assert!(output.contains(&"1000".to_owned()), "runs as an ordinary user inside: {output:?}");
    assert!(!output.iter().any(|line| line.contains("-allowed")), "{output:?}");
    assert!(output.contains(&"ptrace -1".to_owned()), "{output:?}");
    assert!(output.contains(&"mount -1".to_owned()), "{output:?}");

    // On the host, the build's files belong to its unprivileged user, whoever wrote them.
    let sandbox = default_engine().open(build.id).await.unwrap().expect("the build's sandbox");
    let work_dir = common::sandbox_root().join(build.id.to_string());
    for file in ["made-by-the-agent", "feature_list.json", "app_spec.txt"] {
        let owner = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(work_dir.join(file)).unwrap());
        assert_eq!(owner, server::sandbox::local::DEFAULT_SANDBOX_UID, "{file}");
    }
    drop(sandbox);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fifo_named_like_the_feature_list_fails_the_build_instead_of_hanging_a_worker() {
    let script = vec![
        tool_calls(&[run("mkfifo feature_list.json notes.txt")]),
        tool_calls(&[("read_file", json!({ "path": "notes.txt" }))]),
        end_turn("Done."),
    ];
    let hostile = hostile_app(script, test_build_settings(1), default_engine()).await;
    let build = hostile.start().await;
    let build = hostile.wait_until_over(&build, Duration::from_secs(30)).await;
    assert_eq!(build.status, BuildStatus::Failed, "{build:#?}");
    assert!(build.status_reason.as_deref().unwrap_or_default().contains("not a regular file"), "{build:#?}");
    let results = hostile.tool_results();
    assert!(results[1]["content"].as_str().unwrap().contains("not a regular file"), "{results:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pathological_glob_over_long_names_or_a_deep_tree_answers_promptly() {
    let long_name = "a".repeat(200);
    let pattern = format!("{}*b", "*a".repeat(100));
    let script = vec![
        tool_calls(&[run(&format!(
            "mkdir -p d && for i in $(seq 1 3000); do : > d/{long_name}$i; done; mkdir -p deep/$(printf 'x/%.0s' $(seq 1 100))"
        ))]),
        tool_calls(&[("list_files", json!({ "pattern": pattern }))]),
        tool_calls(&[("list_files", json!({ "pattern": "d/*1" }))]),
        tool_calls(&[("list_files", json!({ "pattern": "**/*.js" }))]),
        tool_calls(&[finish_with_passing_feature("Glob")]),
        end_turn("Done."),
    ];
    let hostile = hostile_app(script, test_build_settings(1), default_engine()).await;
    let (_, events) = hostile.run_to_completion().await;
    let listing_time: Vec<i64> = events
        .iter()
        .filter_map(|stored| match &stored.event {
            BuildEvent::ToolEnd { tool, duration_ms, .. } if tool == "list_files" => Some(*duration_ms),
            _ => None,
        })
        .collect();
    eprintln!("list_files took {listing_time:?} ms");
    assert!(listing_time.iter().all(|&ms| ms < 5_000), "{listing_time:?}");
    let results = hostile.tool_results();
    // Matches nothing, or meets the deep tree first: either way, an answer.
    let pathological = results[1]["content"].as_str().unwrap();
    assert!(pathological == "no files match" || pathological.contains("deeper than"), "{pathological}");
    let matched = results[2]["content"].as_str().unwrap();
    assert!(matched.starts_with(&format!("d/{long_name}1 (0 bytes)")), "{matched}");
    assert!(!matched.contains(&format!("{long_name}2 (0 bytes)")), "{matched}");
    let deep = results[3]["content"].as_str().unwrap();
    assert!(results[3]["is_error"] == true && deep.contains("deeper than"), "{deep}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_build_filling_its_disk_fails_saying_so_and_the_host_keeps_its_space() {
    for (label, filler) in [
        ("big file", "dd if=/dev/zero of=big bs=1M count=200 2>&1 | tail -n 1"),
        ("many small files", "i=0; while : > f$i 2>/dev/null; do i=$((i+1)); done; echo made $i files"),
    ] {
        let script = vec![
            tool_calls(&[run(filler)]),
            tool_calls(&[finish_with_passing_feature("Fill")]),
            end_turn("Done."),
        ];
        let limits = SandboxLimits {
            timeout: Duration::from_secs(60),
            disk_bytes: 64 * 1024 * 1024,
            ..SandboxLimits::default()
        };
        let hostile = hostile_app(script, test_build_settings(1), engine_with(limits)).await;
        let build = hostile.start().await;
        let build = hostile.wait_until_over(&build, Duration::from_secs(90)).await;
        assert_eq!(build.status, BuildStatus::Failed, "{label}: {build:#?}");
        let reason = build.status_reason.clone().unwrap_or_default();
        assert!(reason.contains("filled its disk"), "{label}: {reason}");

        let image = common::sandbox_root().join(format!("{}.img", build.id));
        let allocated = std::os::unix::fs::MetadataExt::blocks(&std::fs::metadata(&image).unwrap()) * 512;
        assert!(
            allocated <= 68 * 1024 * 1024,
            "{label}: the image took {allocated} bytes of the host's disk"
        );
        eprintln!("{label}: {reason} ({allocated} bytes on the host)");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn only_allowed_hosts_are_reached_through_the_egress_proxy_and_each_attempt_is_an_event() {
    use server::sandbox::egress::{parse_host_list, EgressPolicy, StaticResolver};

    // A registry of the test's own, on loopback.
    let registry =
        axum::Router::new().route("/hello", axum::routing::get(|| async { "hello from the registry" }));
    let registry = common::serve(registry).await;
    let port = registry.address.port();
    let loopback = std::net::IpAddr::from([127, 0, 0, 1]);
    let policy = EgressPolicy {
        allowed_hosts: parse_host_list("allowed.test, sneaky.test").unwrap(),
        // Loopback is refused unless a host is exempted explicitly, as this test's registry is.
        private_hosts: parse_host_list("allowed.test").unwrap(),
        resolver: Arc::new(
            StaticResolver::new().with("allowed.test", [loopback]).with("sneaky.test", [loopback]),
        ),
        connect_timeout: Duration::from_secs(5),
    };
    let limits = SandboxLimits { timeout: Duration::from_secs(60), ..SandboxLimits::default() };
    let network = SandboxNetwork::Allowlist(Arc::new(policy));
    let engine = LocalEngine::new(common::sandbox_config(common::sandbox_root(), limits, network))
        .expect("an engine with the allow-listed network");

    // The platform itself and its database listen on this host too.
    let platform_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let platform_port = platform_listener.local_addr().unwrap().port();
    let admin_url = common::admin_url();
    let database_port: u16 = admin_url
        .rsplit('@')
        .next()
        .and_then(|server| server.split('/').next())
        .and_then(|address| address.rsplit(':').next())
        .and_then(|port| port.parse().ok())
        .expect("the test database's port");
    let probe = format!(
        "curl -s -m 5 http://allowed.test:{port}/hello; echo; \
         curl -s -m 5 --proxytunnel http://allowed.test:{port}/hello; echo; \
         curl -s -m 5 -o /dev/null -w 'other host %{{http_code}}\\n' http://denied.test/; \
         curl -s -m 5 -o /dev/null -w 'rebound host %{{http_code}}\\n' http://sneaky.test:{port}/hello; \
         curl -s -m 5 -o /dev/null -w 'platform directly %{{http_code}}\\n' http://127.0.0.1:{platform_port}/healthz; \
         curl -s -m 5 -o /dev/null -w 'platform by proxy %{{http_code}}\\n' --noproxy '' http://127.0.0.1:{platform_port}/healthz; \
         curl -s -m 5 -o /dev/null -w 'database by proxy %{{http_code}}\\n' --noproxy '' http://127.0.0.1:{database_port}/"
    );
    let script = vec![
        tool_calls(&[run(&probe)]),
        tool_calls(&[finish_with_passing_feature("Install")]),
        end_turn("Done."),
    ];
    let hostile = hostile_app(script, test_build_settings(1), Arc::new(engine)).await;
    let router = hostile.app.router.clone();
    let platform = tokio::spawn(async move {
        let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        let _ = axum::serve(platform_listener, service).await;
    });
    let build = hostile.start().await;
    let build = hostile.wait_until_over(&build, Duration::from_secs(60)).await;
    platform.abort();
    assert_eq!(build.status, BuildStatus::Completed, "{build:#?}");

    let events = hostile.events(&build).await;
    let output = log_lines(&events, LogStream::Stdout);
    let expected = [
        "hello from the registry",
        "hello from the registry",
        "other host 403",
        "rebound host 403",
        "platform directly 000",
        "platform by proxy 403",
        "database by proxy 403",
    ];
    assert_eq!(output, expected);
    let decisions: Vec<(String, i32, EgressVerdict)> = events
        .iter()
        .filter_map(|stored| match &stored.event {
            BuildEvent::Egress { host, port, verdict, .. } => Some((host.clone(), *port, *verdict)),
            _ => None,
        })
        .collect();
    let expected = [
        ("allowed.test".to_owned(), i32::from(port), EgressVerdict::Allowed),
        ("allowed.test".to_owned(), i32::from(port), EgressVerdict::Allowed),
        ("denied.test".to_owned(), 80, EgressVerdict::Denied),
        ("sneaky.test".to_owned(), i32::from(port), EgressVerdict::Denied),
        ("127.0.0.1".to_owned(), i32::from(platform_port), EgressVerdict::Denied),
        ("127.0.0.1".to_owned(), i32::from(database_port), EgressVerdict::Denied),
    ];
    assert_eq!(decisions, expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_running_build_is_held_by_its_own_cgroup_limits_for_processes_memory_and_cpu() {
    let script = vec![
        tool_calls(&[run("sleep 4; echo slept")]),
        tool_calls(&[finish_with_passing_feature("Limited")]),
        end_turn("Done."),
    ];
    let limits = SandboxLimits {
        timeout: Duration::from_secs(60),
        max_processes: 64,
        memory_bytes: 512 * 1024 * 1024,
        cpu_millis: 500,
        ..SandboxLimits::default()
    };
    let hostile = hostile_app(script, test_build_settings(1), engine_with(limits)).await;
    let build = hostile.start().await;

    // While the command sleeps, the build's group (cgroup v1 here, as on CI) carries the limits.
    let group = |controller: &str, file: &str| {
        std::fs::read_to_string(format!("/sys/fs/cgroup/{controller}/agents-platform/{}/{file}", build.id))
            .map(|value| value.trim().to_owned())
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while group("pids", "pids.max").is_err() {
        assert!(tokio::time::Instant::now() < deadline, "the build's cgroup never appeared");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(group("pids", "pids.max").unwrap(), "64");
    assert_eq!(group("memory", "memory.limit_in_bytes").unwrap(), (512 * 1024 * 1024).to_string());
    assert_eq!(group("cpu", "cpu.cfs_quota_us").unwrap(), "50000", "half of a 100 ms period");
    let command_processes = || {
        std::fs::read_dir(format!("/sys/fs/cgroup/pids/agents-platform/{}", build.id))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|entry| entry.file_name().to_string_lossy().starts_with("command-"))
            .map(|entry| std::fs::read_to_string(entry.path().join("cgroup.procs")).unwrap_or_default())
            .collect::<String>()
    };
    // The group is made just before the command joins it.
    let mut procs = command_processes();
    while procs.trim().is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        procs = command_processes();
    }
    assert!(!procs.trim().is_empty(), "the command's processes are inside the build's group");

    let build = hostile.wait_until_over(&build, Duration::from_secs(60)).await;
    assert_eq!(build.status, BuildStatus::Completed, "{build:#?}");
    assert!(group("pids", "pids.max").is_err(), "the build's group goes with its last command");
}
