//! Builds end to end on the real database and real sandboxes, driven by the
//! built-in offline agent: a build runs to completion with every feature
//! passing and a git history; its events are numbered without gaps and
//! stream with replay; the limit of active builds holds under concurrent
//! starts; pause keeps the work and resume finishes it.

use crate::common;

use std::time::Duration;

use app::model::artifacts::{ArtifactInfo, ArtifactManifest, ArtifactState};
use app::model::build_log::{LogCategory, LogLine, LogPage};
use app::model::build_view::{BuildPage, BuildView};
use app::model::builds::{
    BuildDetail, BuildEvent, BuildStatus, LogStream, StreamedBuildEvent, MAX_ACTIVE_BUILDS_PER_USER,
};
use common::contract::Contract;
use common::{
    api, build_app, build_setup, call_server_fn_as, create_spec, get_as, idle_build_setup,
    local_sandbox_engine, migrated_database, parse_sse, sign_up, start_build, stored_events,
    wait_for_artifact, wait_for_build, As, BuildApp, TestUser,
};
use server::builds::artifacts::{archive_key, manifest_key};
use server::rate_limits::Quota;
use server::sandbox::SandboxEngine;
use uuid::Uuid;

const SPEC: &str = "# Todo list\n\nA small app to keep track of things to do.\n\n## Features\n\
- Add a todo with a title\n- Mark a todo as done\n- Remove a todo\n";

/// Seconds a whole offline build may take on a busy 2-core machine.
const BUILD_LIMIT: Duration = Duration::from_secs(180);

#[tokio::test(flavor = "multi_thread")]
async fn an_offline_build_completes_with_every_feature_passing_and_a_git_history() {
    let database = migrated_database().await;
    let app = build_app(&database, build_setup(1));
    let user = sign_up(&app.router, "builder@example.com").await;
    let spec = create_spec(&app.router, &user, "Todo", SPEC).await;
    let queued = start_build(&app.router, &user, spec["id"].as_str().unwrap()).await;
    // A free worker may have claimed it already.
    assert!(matches!(queued.status, BuildStatus::Queued | BuildStatus::Running), "{queued:#?}");
    assert_eq!(queued.spec_content, SPEC, "the spec is frozen into the build");

    let build =
        wait_for_build(&app.router, &user, queued.id, BUILD_LIMIT, |build| build.status.is_final()).await;
    assert_eq!(build.status, BuildStatus::Completed, "{build:#?}");
    assert!(build.features_total >= 3, "{build:#?}");
    assert_eq!(build.features_passing, build.features_total);
    assert!(build.sessions > build.features_total, "an initializer, then a session per feature: {build:#?}");
    assert_eq!(build.provider, "offline");

    // The work left the sandbox for storage, verified, with its evidence.
    let artifact = wait_for_artifact(&app.router, &user, build.id, BUILD_LIMIT).await;
    assert_eq!(artifact.state, ArtifactState::Stored, "{artifact:#?}");
    assert!(
        local_sandbox_engine().open(build.id).await.unwrap().is_none(),
        "the work directory is removed once its archive is stored"
    );
    let unpacked = check_the_archive(&app, &user, &build, &artifact).await;
    let log = std::process::Command::new("git")
        .args(["-c", "safe.directory=*", "-C", &unpacked.display().to_string(), "log", "--oneline"])
        .output()
        .expect("run git");
    let commits = String::from_utf8_lossy(&log.stdout);
    assert!(commits.lines().count() as i32 > build.features_total, "{commits}");
    let feature_list = std::fs::read_to_string(unpacked.join("feature_list.json")).expect("the feature list");
    assert!(
        !feature_list.contains("\"passes\": false") && !feature_list.contains("\"passes\":false"),
        "{feature_list}"
    );
    std::fs::remove_dir_all(&unpacked).unwrap();

    // Every event numbered from 1 without a gap: the final status, then the archive's line.
    let build = wait_for_build(&app.router, &user, build.id, BUILD_LIMIT, |_| true).await;
    let events = stored_events(&database.pool, build.id).await;
    let seqs: Vec<i64> = events.iter().map(|stored| stored.seq).collect();
    assert_eq!(seqs, (1..=events.len() as i64).collect::<Vec<_>>());
    assert_eq!(build.last_event_seq, events.len() as i64);
    let [.., status, archived] = &events[..] else { panic!("too few events") };
    assert!(matches!(status.event, BuildEvent::Status { status: BuildStatus::Completed, .. }), "{status:?}");
    assert!(
        matches!(&archived.event, BuildEvent::Log { line, .. } if line.contains("was archived")),
        "{archived:?}"
    );
    let passed_tests = events
        .iter()
        .filter(|stored| matches!(stored.event, BuildEvent::TestRun { exit_code: Some(0), .. }))
        .count();
    assert!(passed_tests as i32 >= build.features_total, "tests ran for real");
    let ended: Vec<bool> = events
        .iter()
        .filter_map(|stored| match stored.event {
            BuildEvent::FeatureEnd { passed, .. } => Some(passed),
            _ => None,
        })
        .collect();
    assert_eq!(ended.len() as i32, build.features_total);
    assert!(ended.iter().all(|passed| *passed));

    // The log pages through every line, in order.
    let mut after = 0;
    let mut lines = Vec::new();
    loop {
        let response = get_as(
            &app.router,
            &format!("/api/builds/{}/logs?after={after}&limit=50", build.id),
            As::User(&user),
        )
        .await;
        assert_eq!(response.status, 200, "{}", response.body);
        let page: LogPage = common::body_as(&response);
        assert!(page.lines.iter().all(|line| line.seq > after));
        lines.extend(page.lines);
        match page.next_after {
            Some(next) => after = next,
            None => break,
        }
    }
    // Every event worth a line, in order: output and the rest told in words.
    let logged: Vec<LogLine> = events.iter().filter_map(LogLine::of).collect();
    assert_eq!(lines, logged);
    for category in
        [LogCategory::Phase, LogCategory::Feature, LogCategory::Test, LogCategory::File, LogCategory::Log]
    {
        assert!(lines.iter().any(|line| line.category == category), "no {category:?} line in the log");
    }

    // The page folds the same state from the stored events as a viewer
    // folding the whole stream, and renders it without JavaScript.
    let folded = call_server_fn_as(
        &app.router,
        "/fn/get_build_page",
        As::User(&user),
        &[("id", &build.id.to_string())],
    )
    .await;
    assert_eq!(folded.status, 200, "{}", folded.body);
    let page: BuildPage = common::body_as(&folded);
    let mut streamed = BuildView::default();
    for stored in &events {
        streamed.apply(stored);
    }
    assert_eq!(page.view.features, streamed.features);
    assert_eq!(page.view.files, streamed.files);
    assert_eq!(page.view.progress, streamed.progress);
    assert_eq!((page.view.phase, page.view.status), (streamed.phase, Some(BuildStatus::Completed)));
    assert!(page.view.last_seq < build.last_event_seq, "log lines are not read for the fold");
    let html = get_as(&app.router, &format!("/builds/{}", build.id), As::User(&user)).await;
    assert_eq!(html.status, 200);
    assert_eq!(
        html.body.matches("data-passed=\"true\"").count() as i32,
        build.features_total,
        "{}",
        html.body
    );
    let files = format!("Files touched ({})", streamed.files.len());
    assert!(!streamed.files.is_empty() && html.body.contains(&files), "{files} in {}", html.body);

    // The whole log downloads as text, a page of lines at a time however long it is.
    let download_path = format!("/api/builds/{}/logs.txt", build.id);
    let text = get_as(&app.router, &download_path, As::User(&user)).await;
    assert_eq!(text.status, 200, "{}", text.body);
    assert_eq!(text.headers["content-type"], "text/plain; charset=utf-8");
    assert!(text.headers["content-disposition"].to_str().unwrap().contains("Todo build log.txt"));
    assert_eq!(text.body, logged.iter().map(LogLine::to_plain_text).collect::<String>());
    let more: Vec<_> = (0..11_000)
        .map(|n| (chrono::Utc::now(), BuildEvent::system_log(format!("extra line {n}"))))
        .collect();
    let mut connection = database.pool.get().await.unwrap();
    server::builds::repo::append_events(&mut connection, build.id, &more).await.unwrap();
    drop(connection);
    let longer = get_as(&app.router, &download_path, As::User(&user)).await;
    assert_eq!(longer.status, 200);
    assert_eq!(longer.body.lines().count(), text.body.lines().count() + 11_000);
    assert!(
        longer.body.ends_with("system  extra line 10999\n"),
        "{}",
        &longer.body[longer.body.len() - 200..]
    );
    let stranger = sign_up(&app.router, "log-reader@example.com").await;
    let refused = get_as(&app.router, &download_path, As::User(&stranger)).await;
    assert_eq!(refused.status, 404, "{}", refused.body);

    // Deleting the ended build takes its log and its archive with it, a
    // long history included (in several batches), and only for its owner.
    let batch = server::builds::repo::EVENTS_DELETED_AT_ONCE as i64;
    add_refused_connections(&database.pool, build.id, "example.com", 2 * batch).await;
    let events_of_the_build = async || {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use server::db::schema::build_events;
        let mut connection = database.pool.get().await.unwrap();
        let count = build_events::table.filter(build_events::build_id.eq(build.id)).count();
        count.get_result::<i64>(&mut connection).await.unwrap()
    };
    let before = events_of_the_build().await;
    assert!(before > 2 * batch + 11_000, "{before}");
    let path = format!("/api/builds/{}", build.id);
    let refused = api(&app.router, "DELETE", &path, As::User(&stranger), None).await;
    assert_eq!(refused.status, 404, "{}", refused.body);
    assert_eq!(events_of_the_build().await, before, "another person's delete removes nothing");
    let deleted = api(&app.router, "DELETE", &path, As::User(&user), None).await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert_eq!(events_of_the_build().await, 0);
    let gone = get_as(&app.router, &path, As::User(&user)).await;
    assert_eq!(gone.status, 404);
    let storage = app.state.builds.artifacts.storage();
    assert!(!storage.exists(&archive_key(build.id)).await.unwrap());
    assert!(!storage.exists(&manifest_key(build.id)).await.unwrap());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_log_of_long_lines_comes_in_pages_of_bounded_size_and_misses_nothing() {
    let database = migrated_database().await;
    let app = build_app(&database, idle_build_setup());
    let user = sign_up(&app.router, "long-lines@example.com").await;
    let build = common::running_build_row(&database.pool, &user).await;
    // 300 lines of 30 KiB, about 9 MiB: more than two pages' worth of bytes,
    // though fewer lines than one page may hold.
    let long: Vec<_> = (0..300)
        .map(|n| {
            let line = format!("{n:03} {}", "x".repeat(30 * 1024));
            (chrono::Utc::now(), BuildEvent::Log { stream: LogStream::Stdout, line })
        })
        .collect();
    let mut connection = database.pool.get().await.unwrap();
    server::builds::repo::append_events(&mut connection, build, &long).await.unwrap();
    drop(connection);

    let (mut after, mut pages, mut numbers) = (0, 0, Vec::new());
    loop {
        let path = format!("/api/builds/{build}/logs?after={after}&limit=5000");
        let response = get_as(&app.router, &path, As::User(&user)).await;
        assert_eq!(response.status, 200, "{}", response.body);
        assert!(response.body.len() < 5 * 1024 * 1024, "a page of {} bytes", response.body.len());
        let page: LogPage = common::body_as(&response);
        pages += 1;
        numbers.extend(page.lines.into_iter().map(|line| line.line[..3].to_owned()));
        match page.next_after {
            Some(next) => after = next,
            None => break,
        }
    }
    assert!(pages >= 3, "{pages} pages");
    assert_eq!(numbers, (0..300).map(|n| format!("{n:03}")).collect::<Vec<_>>());
}

/// `count` refused connections to `host` in the build's history, as its
/// commands' egress proxy records them.
async fn add_refused_connections(pool: &server::db::DbPool, build: Uuid, host: &str, count: i64) {
    let refused = BuildEvent::Egress {
        host: host.into(),
        port: 443,
        verdict: app::model::builds::EgressVerdict::Denied,
        reason: Some("not on the allow-list".into()),
    };
    let payload = serde_json::to_string(&refused).unwrap();
    common::run_sql(
        pool,
        &format!(
            "INSERT INTO build_events (build_id, seq, kind, payload, created_at) \
             SELECT id, last_event_seq + n, 'egress', '{payload}'::jsonb, now() \
             FROM builds, generate_series(1, {count}) AS n WHERE id = '{build}'; \
             UPDATE builds SET last_event_seq = last_event_seq + {count} WHERE id = '{build}'"
        ),
    )
    .await;
}

async fn attempts_on_the_page(app: &BuildApp, user: &TestUser, build: Uuid) -> i32 {
    let id = build.to_string();
    let answer = call_server_fn_as(&app.router, "/fn/get_build_page", As::User(user), &[("id", &id)]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let page: BuildPage = common::body_as(&answer);
    page.view.network.iter().map(|access| access.attempts).sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_history_is_folded_whole_once_and_later_views_go_on_from_the_kept_state() {
    let database = migrated_database().await;
    let app = build_app(&database, idle_build_setup());
    let user = sign_up(&app.router, "history@example.com").await;
    let spec = create_spec(&app.router, &user, "Todo", SPEC).await;
    let build = start_build(&app.router, &user, spec["id"].as_str().unwrap()).await;
    add_refused_connections(&database.pool, build.id, "tracker.example", 6_000).await;
    assert_eq!(attempts_on_the_page(&app, &user, build.id).await, 6_000);

    // The fold was kept; a view now folds only what came after it, so a kept
    // count made 7 shows through.
    let id = build.id;
    let kept = format!("SELECT last_seq AS value FROM build_states WHERE build_id = '{id}'");
    let last = format!("SELECT last_event_seq AS value FROM builds WHERE id = '{id}'");
    let kept = common::number_from(&database.pool, &kept).await;
    assert!(kept.is_some() && kept == common::number_from(&database.pool, &last).await, "{kept:?}");
    common::run_sql(
        &database.pool,
        &format!(
            "UPDATE build_states SET view = jsonb_set(view, '{{network,0,attempts}}', '7') \
             WHERE build_id = '{}'",
            build.id
        ),
    )
    .await;
    add_refused_connections(&database.pool, build.id, "tracker.example", 10).await;
    assert_eq!(attempts_on_the_page(&app, &user, build.id).await, 17);

    // A fold kept by another version of the fold is folded again from the start.
    let older = app::model::build_view::FOLD_VERSION - 1;
    common::run_sql(
        &database.pool,
        &format!("UPDATE build_states SET fold_version = {older} WHERE build_id = '{}'", build.id),
    )
    .await;
    assert_eq!(attempts_on_the_page(&app, &user, build.id).await, 6_010);
}

/// Downloads the build's archive and checks it against its manifest: the
/// checksum, then every file (unpacked by the system `tar`) with its own.
/// Answers where it was unpacked.
async fn check_the_archive(
    app: &BuildApp,
    user: &TestUser,
    build: &BuildDetail,
    artifact: &ArtifactInfo,
) -> std::path::PathBuf {
    // Every answer below is also one the API's document promises.
    let contract = Contract::served_by(&app.router).await;
    let path = format!("/api/builds/{}/artifacts", build.id);
    let download = get_as(&app.router, &path, As::User(user)).await;
    assert_eq!(download.status, 200, "{}", download.body);
    contract.assert_honoured("get", "/api/builds/{id}/artifacts", &download);
    assert_eq!(Some(common::sha256_hex(&download.bytes)), artifact.sha256, "the archive is intact");
    assert_eq!(Some(download.bytes.len() as i64), artifact.size_bytes);
    let disposition = download.headers["content-disposition"].to_str().unwrap();
    assert!(disposition.contains(&format!("filename=\"{}\"", artifact.file_name)), "{disposition}");
    assert!(artifact.file_name.starts_with("todo-"), "{}", artifact.file_name);

    // A range resumes an interrupted download.
    let request = axum::http::Request::get(&path)
        .header("cookie", &user.cookie)
        .header("range", "bytes=100-199")
        .body(axum::body::Body::empty())
        .unwrap();
    let part = common::send(&app.router, request).await;
    assert_eq!(part.status, 206);
    contract.assert_honoured("get", "/api/builds/{id}/artifacts", &part);
    assert_eq!(part.bytes, download.bytes[100..200]);

    let manifest = get_as(&app.router, &format!("{path}/manifest"), As::User(user)).await;
    assert_eq!(manifest.status, 200, "{}", manifest.body);
    contract.assert_honoured("get", "/api/builds/{id}/artifacts/manifest", &manifest);
    let info = get_as(&app.router, &format!("{path}?info=true"), As::User(user)).await;
    contract.assert_honoured("get", "/api/builds/{id}/artifacts", &info);
    let listing = get_as(&app.router, &format!("/api/builds/{}/files", build.id), As::User(user)).await;
    assert_eq!(listing.status, 200, "{}", listing.body);
    contract.assert_honoured("get", "/api/builds/{id}/files", &listing);
    let logs = get_as(&app.router, &format!("/api/builds/{}/logs", build.id), As::User(user)).await;
    assert_eq!(logs.status, 200, "{}", logs.body);
    contract.assert_honoured("get", "/api/builds/{id}/logs", &logs);
    let manifest: ArtifactManifest = common::body_as(&manifest);
    assert_eq!(Some(manifest.archive.sha256.clone()), artifact.sha256);
    assert_eq!(manifest.features.len() as i32, build.features_total);
    for feature in &manifest.features {
        let proof = feature.proof.as_ref().unwrap_or_else(|| panic!("no test proves {feature:?}"));
        assert!(feature.passes && proof.failed == 0 && proof.passed > 0, "{feature:?}");
    }
    assert!(manifest.commits.len() as i32 > build.features_total, "{:?}", manifest.commits);
    assert_eq!(manifest.sessions.len() as i32, build.sessions);
    assert_eq!(manifest.sandbox.isolation, "bubblewrap");
    assert_eq!(manifest.sandbox.network, "none");

    let unpacked = std::env::temp_dir().join(format!("unpacked-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&unpacked).unwrap();
    let archive_file = unpacked.with_extension("tar.gz");
    std::fs::write(&archive_file, &download.bytes).unwrap();
    let untar = std::process::Command::new("tar")
        .arg("-xzf")
        .arg(&archive_file)
        .arg("-C")
        .arg(&unpacked)
        .output()
        .expect("run tar");
    assert!(untar.status.success(), "{}", String::from_utf8_lossy(&untar.stderr));
    std::fs::remove_file(&archive_file).unwrap();
    let mut on_disk = regular_files(&unpacked, "");
    on_disk.retain(|(path, _)| !path.starts_with(".git/"));
    on_disk.sort();
    let listed: Vec<(String, String)> =
        manifest.files.iter().map(|file| (file.path.clone(), file.sha256.clone())).collect();
    assert_eq!(on_disk, listed, "the archive holds exactly the manifest's files, byte for byte");

    // One file, straight out of the stored archive.
    let file =
        get_as(&app.router, &format!("/api/builds/{}/files/feature_list.json", build.id), As::User(user))
            .await;
    assert_eq!(file.status, 200, "{}", file.body);
    contract.assert_honoured("get", "/api/builds/{id}/files/{path}", &file);
    assert_eq!(file.bytes, std::fs::read(unpacked.join("feature_list.json")).unwrap());
    let missing =
        get_as(&app.router, &format!("/api/builds/{}/files/no/such/file", build.id), As::User(user)).await;
    assert_eq!(missing.status, 404, "{}", missing.body);
    contract.assert_honoured("get", "/api/builds/{id}/files/{path}", &missing);
    unpacked
}

/// Every regular file below `dir`, with its SHA-256.
fn regular_files(dir: &std::path::Path, prefix: &str) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
        let file_type = entry.file_type().unwrap();
        if file_type.is_dir() {
            files.extend(regular_files(&entry.path(), &path));
        } else if file_type.is_file() {
            files.push((path, common::sha256_hex(&std::fs::read(entry.path()).unwrap())));
        }
    }
    files
}

#[tokio::test(flavor = "multi_thread")]
async fn an_archive_past_its_retention_is_removed_and_the_build_says_so() {
    let database = migrated_database().await;
    let mut setup = build_setup(1);
    setup.artifacts.retention = Some(Duration::from_secs(3));
    let app = build_app(&database, setup);
    let user = sign_up(&app.router, "keeper@example.com").await;
    let spec = create_spec(&app.router, &user, "Todo", SPEC).await;
    let build = start_build(&app.router, &user, spec["id"].as_str().unwrap()).await;
    wait_for_build(&app.router, &user, build.id, BUILD_LIMIT, |build| build.status.is_final()).await;

    let info_path = format!("/api/builds/{}/artifacts?info=true", build.id);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut was_stored_until = None;
    let expired = loop {
        let info: ArtifactInfo = common::body_as(&get_as(&app.router, &info_path, As::User(&user)).await);
        match info.state {
            ArtifactState::Stored => was_stored_until = info.expires_at,
            ArtifactState::Expired => break info,
            _ => {}
        }
        assert!(tokio::time::Instant::now() < deadline, "the archive was not removed: {info:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(was_stored_until.is_some(), "a stored archive says when it will be removed");
    let message = expired.message.clone().unwrap_or_default();
    assert!(message.contains("retention policy"), "{message}");
    let download = get_as(&app.router, &format!("/api/builds/{}/artifacts", build.id), As::User(&user)).await;
    assert_eq!(download.status, 404);
    assert!(download.body.contains("retention policy"), "{}", download.body);
    let storage = app.state.builds.artifacts.storage();
    assert!(!storage.exists(&archive_key(build.id)).await.unwrap());
    assert!(!storage.exists(&manifest_key(build.id)).await.unwrap());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_stream_replays_history_then_resumes_after_the_last_event_id_and_refuses_any_other_id() {
    let database = migrated_database().await;
    let app = build_app(&database, idle_build_setup());
    let user = sign_up(&app.router, "viewer@example.com").await;
    let spec = create_spec(&app.router, &user, "Todo", SPEC).await;
    let build = start_build(&app.router, &user, spec["id"].as_str().unwrap()).await;
    let cancel =
        api(&app.router, "POST", &format!("/api/builds/{}/cancel", build.id), As::User(&user), None).await;
    assert_eq!(cancel.status, 200, "{}", cancel.body);

    // A finished build's stream is its whole history, then `complete`, then the end.
    let response = get_as(&app.router, &format!("/api/builds/{}/stream", build.id), As::User(&user)).await;
    assert_eq!(response.status, 200);
    let messages = parse_sse(&response.body);
    let (complete, events) = messages.split_last().expect("messages");
    assert_eq!(complete.event, "complete");
    assert!(complete.data.contains("\"cancelled\""), "{}", complete.data);
    let streamed: Vec<StreamedBuildEvent> =
        events.iter().map(|message| serde_json::from_str(&message.data).expect("an event")).collect();
    assert_eq!(streamed.iter().map(|event| event.seq).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert!(streamed.iter().all(|event| event.historical));
    assert_eq!(events.iter().map(|message| message.id.clone().unwrap()).collect::<Vec<_>>(), ["1", "2", "3"]);

    // Reconnecting with Last-Event-ID sends only what came after it.
    let request = axum::http::Request::get(format!("/api/builds/{}/stream", build.id))
        .header("cookie", &user.cookie)
        .header("last-event-id", "2")
        .body(axum::body::Body::empty())
        .unwrap();
    let resumed = parse_sse(&common::send(&app.router, request).await.body);
    assert_eq!(resumed.len(), 2, "{resumed:?}");
    assert_eq!(resumed[0].id.as_deref(), Some("3"));
    assert_eq!(resumed[1].event, "complete");
    // An id that is not one of its sequence numbers is refused, not read as "from the start".
    let request = axum::http::Request::get(format!("/api/builds/{}/stream", build.id))
        .header("cookie", &user.cookie)
        .header("last-event-id", "9223372036854775808")
        .body(axum::body::Body::empty())
        .unwrap();
    let garbled = common::send(&app.router, request).await;
    assert_eq!(garbled.status, 422, "{}", garbled.body);
    assert!(garbled.body.contains("Last-Event-ID"), "{}", garbled.body);

    // Someone else's build does not exist for them.
    let stranger = sign_up(&app.router, "stranger@example.com").await;
    let refused = get_as(&app.router, &format!("/api/builds/{}/stream", build.id), As::User(&stranger)).await;
    assert_eq!(refused.status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_live_viewer_gets_every_event_once_in_order_while_the_build_runs() {
    let database = migrated_database().await;
    let app = build_app(&database, build_setup(1));
    let server = common::serve(app.router.clone()).await;
    let user = sign_up(&app.router, "live@example.com").await;
    let spec = create_spec(&app.router, &user, "Todo", SPEC).await;
    let build = start_build(&app.router, &user, spec["id"].as_str().unwrap()).await;

    let streamed = common::watch_build_to_the_end(server.address, &user, build.id, BUILD_LIMIT).await;
    assert!(streamed.iter().any(|event| !event.historical), "events arrived live");
    let stored = stored_events(&database.pool, build.id).await;
    assert_eq!(stored.len(), streamed.len(), "the viewer saw exactly what was committed");
}

#[tokio::test(flavor = "multi_thread")]
async fn at_most_five_builds_are_active_per_user_even_when_started_at_once() {
    let database = migrated_database().await;
    let app = build_app(&database, idle_build_setup());
    let user = sign_up(&app.router, "busy@example.com").await;
    let spec = create_spec(&app.router, &user, "Todo", SPEC).await;
    let spec_id = spec["id"].as_str().unwrap().to_owned();

    let starts = (0..8).map(|_| {
        let (router, user, spec_id) = (app.router.clone(), user.clone(), spec_id.clone());
        tokio::spawn(async move { common::request_build(&router, &user, &spec_id).await })
    });
    let mut statuses = Vec::new();
    for start in starts {
        let response = start.await.expect("a start");
        if response.status == 429 {
            assert!(response.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("5 builds running, queued or waiting to resume"));
            assert!(response.headers.get("retry-after").is_some());
        }
        statuses.push(response.status);
    }
    assert_eq!(
        statuses.iter().filter(|status| **status == 201).count() as i64,
        MAX_ACTIVE_BUILDS_PER_USER,
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|status| **status == 429).count(), 3, "{statuses:?}");

    // A cancelled build makes room; another user is not affected at all.
    let listed: Vec<app::model::builds::BuildSummary> =
        common::body_as(&get_as(&app.router, "/api/builds?status=queued", As::User(&user)).await);
    assert_eq!(listed.len(), 5);
    let cancel =
        api(&app.router, "POST", &format!("/api/builds/{}/cancel", listed[0].id), As::User(&user), None)
            .await;
    assert_eq!(cancel.status, 200);
    start_build(&app.router, &user, &spec_id).await;
    let other = sign_up(&app.router, "other@example.com").await;
    let other_spec = create_spec(&app.router, &other, "Mine", SPEC).await;
    start_build(&app.router, &other, other_spec["id"].as_str().unwrap()).await;

    // Resuming counts too.
    let paused =
        api(&app.router, "POST", &format!("/api/builds/{}/pause", listed[1].id), As::User(&user), None).await;
    assert_eq!(paused.status, 200, "{}", paused.body);
    start_build(&app.router, &user, &spec_id).await;
    let resumed =
        api(&app.router, "POST", &format!("/api/builds/{}/resume", listed[1].id), As::User(&user), None)
            .await;
    assert_eq!(resumed.status, 429, "{}", resumed.body);

    // So does a build waiting to resume on its own (paused while its model
    // was busy): it will run again without asking.
    common::run_sql(
        &database.pool,
        &format!(
            "UPDATE builds SET status = 'paused', resume_at = now() + interval '1 hour' WHERE id = '{}'",
            listed[2].id
        ),
    )
    .await;
    let refused = common::request_build(&app.router, &user, &spec_id).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert!(refused.body.contains("running, queued or waiting to resume"), "{}", refused.body);
    let resumed =
        api(&app.router, "POST", &format!("/api/builds/{}/resume", listed[2].id), As::User(&user), None)
            .await;
    assert_eq!(resumed.status, 200, "resuming it takes no more room than it holds: {}", resumed.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn builds_started_per_hour_are_limited_and_a_refused_start_costs_nothing() {
    let database = migrated_database().await;
    let mut setup = idle_build_setup();
    setup.settings.starts_per_user = Quota::per_hour(2);
    let app = build_app(&database, setup);
    let user = sign_up(&app.router, "eager@example.com").await;
    let spec = create_spec(&app.router, &user, "Todo", SPEC).await;
    let spec_id = spec["id"].as_str().unwrap().to_owned();
    let start = |spec_id: String| {
        let (router, user) = (app.router.clone(), user.clone());
        async move { common::request_build(&router, &user, &spec_id).await }
    };

    // A start refused for another reason gives nothing away.
    let missing = start(Uuid::now_v7().to_string()).await;
    assert_eq!(missing.status, 404, "{}", missing.body);
    for _ in 0..2 {
        let started = start(spec_id.clone()).await;
        assert_eq!(started.status, 201, "{}", started.body);
    }
    let refused = start(spec_id.clone()).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    let message = refused.json()["error"]["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains("started 2 builds in the last hour") && message.contains("30 minutes"),
        "{message}"
    );
    let wait: u64 = refused.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1_700..=1_800).contains(&wait), "a start comes back every 30 minutes: {wait}");

    // Another person has an allowance of their own.
    let other = sign_up(&app.router, "other@example.com").await;
    let other_spec = create_spec(&app.router, &other, "Mine", SPEC).await;
    start_build(&app.router, &other, other_spec["id"].as_str().unwrap()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paused_build_keeps_its_work_and_finishes_after_resume() {
    let database = migrated_database().await;
    let app = build_app(&database, build_setup(1));
    let user = sign_up(&app.router, "pauser@example.com").await;
    let spec = create_spec(&app.router, &user, "Todo", SPEC).await;
    let build = start_build(&app.router, &user, spec["id"].as_str().unwrap()).await;

    // Pause once the agent is on its first feature.
    let deadline = tokio::time::Instant::now() + BUILD_LIMIT;
    loop {
        let events = stored_events(&database.pool, build.id).await;
        if events.iter().any(|stored| matches!(stored.event, BuildEvent::FeatureStart { .. })) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no feature was started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let paused =
        api(&app.router, "POST", &format!("/api/builds/{}/pause", build.id), As::User(&user), None).await;
    assert_eq!(paused.status, 200, "{}", paused.body);
    let paused: BuildDetail = common::body_as(&paused);
    assert_eq!(paused.status, BuildStatus::Paused);
    let sandbox = local_sandbox_engine().open(build.id).await.unwrap().expect("the build's sandbox");
    assert!(sandbox.read_file("feature_list.json").await.is_ok(), "the work directory is kept");
    drop(sandbox);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let still = wait_for_build(&app.router, &user, build.id, Duration::from_secs(5), |_| true).await;
    assert_eq!(still.status, BuildStatus::Paused, "nothing runs a paused build");

    let resumed =
        api(&app.router, "POST", &format!("/api/builds/{}/resume", build.id), As::User(&user), None).await;
    assert_eq!(resumed.status, 200, "{}", resumed.body);
    let done =
        wait_for_build(&app.router, &user, build.id, BUILD_LIMIT, |build| build.status.is_final()).await;
    assert_eq!(done.status, BuildStatus::Completed, "{done:#?}");
    assert_eq!(done.features_passing, done.features_total);
    let events = stored_events(&database.pool, build.id).await;
    assert!(events
        .iter()
        .any(|stored| matches!(&stored.event, BuildEvent::Log { line, .. } if line.starts_with("Resuming"))));
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_get_clear_errors() {
    let database = migrated_database().await;
    let app = build_app(&database, idle_build_setup());
    let user = sign_up(&app.router, "careful@example.com").await;
    let missing = api(
        &app.router,
        "POST",
        "/api/builds",
        As::User(&user),
        Some(serde_json::json!({ "spec_id": Uuid::now_v7() })),
    )
    .await;
    assert_eq!(missing.status, 404, "{}", missing.body);
    let malformed =
        api(&app.router, "POST", "/api/builds", As::User(&user), Some(serde_json::json!({ "spec": 1 })))
            .await;
    assert_eq!(malformed.status, 422, "{}", malformed.body);
    let status = get_as(&app.router, "/api/builds?status=exploded", As::User(&user)).await;
    assert_eq!(status.status, 422);
    assert!(status.body.contains("no build status"), "{}", status.body);
    assert_eq!(get_as(&app.router, "/api/builds/not-a-uuid", As::User(&user)).await.status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_started_build_whose_sandbox_is_gone_fails_and_says_why() {
    let database = migrated_database().await;
    let serving = build_app(&database, idle_build_setup());
    let user = sign_up(&serving.router, "vanished@example.com").await;
    let spec = create_spec(&serving.router, &user, "Todo", SPEC).await;
    let build = start_build(&serving.router, &user, spec["id"].as_str().unwrap()).await;
    // As a server that died after starting it would leave it, with no work directory anywhere.
    common::run_sql(
        &database.pool,
        &format!("UPDATE builds SET status = 'running', started_at = now() WHERE id = '{}'", build.id),
    )
    .await;

    let _worker = build_app(&database, build_setup(1));
    let failed =
        wait_for_build(&serving.router, &user, build.id, BUILD_LIMIT, |build| build.status.is_final()).await;
    assert_eq!(failed.status, BuildStatus::Failed);
    let reason = failed.status_reason.unwrap_or_default();
    assert!(reason.contains("sandbox is gone"), "{reason}");
    assert!(failed.finished_at.is_some());
    // Nothing is left to archive, so nothing waits for an archive before it may go.
    let deleted =
        api(&serving.router, "DELETE", &format!("/api/builds/{}", build.id), As::User(&user), None).await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_archive_no_server_can_make_is_given_up_after_a_day_and_its_build_may_go() {
    use server::builds::artifacts::repo as artifact_repo;
    let database = migrated_database().await;
    let app = build_app(&database, idle_build_setup());
    let user = sign_up(&app.router, "stranded@example.com").await;
    let spec = create_spec(&app.router, &user, "Todo", SPEC).await;
    let stranded = start_build(&app.router, &user, spec["id"].as_str().unwrap()).await;
    let recent = start_build(&app.router, &user, spec["id"].as_str().unwrap()).await;
    // Both ended on a machine that is gone; one of them two days ago.
    common::run_sql(
        &database.pool,
        &format!(
            "UPDATE builds SET status = 'failed', started_at = now(), finished_at = now() \
             WHERE id IN ('{}', '{}');
             INSERT INTO build_artifacts (build_id, state, updated_at) \
             VALUES ('{}', 'pending', now() - interval '2 days'), ('{}', 'pending', now())",
            stranded.id, recent.id, stranded.id, recent.id
        ),
    )
    .await;
    let delete = async |id: Uuid| {
        api(&app.router, "DELETE", &format!("/api/builds/{id}"), As::User(&user), None).await.status
    };
    assert_eq!(delete(stranded.id).await, 409, "a build waits for its archive before it may go");

    let mut connection = database.pool.get().await.expect("a connection");
    let cutoff = chrono::Utc::now() - chrono::Duration::days(1);
    let given_up = artifact_repo::give_up_waiting_since(&mut connection, cutoff, "Nobody holds it.").await;
    assert_eq!(given_up.expect("the update"), 1, "only the archive that waited past the day");
    let info =
        get_as(&app.router, &format!("/api/builds/{}/artifacts/manifest", stranded.id), As::User(&user))
            .await;
    assert!(info.body.contains("Nobody holds it."), "the archive says why: {}", info.body);
    assert_eq!(delete(stranded.id).await, 204);
    assert_eq!(delete(recent.id).await, 409, "an archive waiting a moment still waits");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retry_asked_for_while_a_build_is_deleted_comes_first_or_finds_nothing_to_retry() {
    use diesel_async::AsyncConnection;
    use server::builds::artifacts::repo as artifact_repo;
    let database = migrated_database().await;
    let app = build_app(&database, idle_build_setup());
    let user = sign_up(&app.router, "deleter@example.com").await;
    let spec = create_spec(&app.router, &user, "Todo", SPEC).await;
    let build = start_build(&app.router, &user, spec["id"].as_str().unwrap()).await;
    // Its upload failed: a retry could start it again.
    common::run_sql(
        &database.pool,
        &format!(
            "UPDATE builds SET status = 'failed', started_at = now(), finished_at = now() WHERE id = '{id}';
             INSERT INTO build_artifacts (build_id, state, message) VALUES ('{id}', 'failed', 'Storage was down.')",
            id = build.id
        ),
    )
    .await;
    let path = format!("/api/builds/{}", build.id);

    // A retry under way when Delete comes: Delete waits for it, then finds
    // the archive being made and leaves the build.
    let mut connection = database.pool.get().await.expect("a connection");
    let deleting = connection
        .transaction(async |connection| {
            assert!(artifact_repo::retry(connection, build.id).await.expect("the retry"));
            let deleting = tokio::spawn({
                let (router, user, path) = (app.router.clone(), user.clone(), path.clone());
                async move { api(&router, "DELETE", &path, As::User(&user), None).await }
            });
            tokio::time::sleep(Duration::from_millis(500)).await;
            assert!(!deleting.is_finished(), "Delete went on while the retry held the archive");
            Ok::<_, diesel::result::Error>(deleting)
        })
        .await
        .expect("the retry commits");
    let refused = deleting.await.expect("the request");
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body.contains("being archived"), "{}", refused.body);

    // Failed once more: now Delete goes first, and takes the archive with the build.
    common::run_sql(
        &database.pool,
        &format!("UPDATE build_artifacts SET state = 'failed' WHERE build_id = '{}'", build.id),
    )
    .await;
    assert_eq!(api(&app.router, "DELETE", &path, As::User(&user), None).await.status, 204);
    assert!(!artifact_repo::retry(&mut connection, build.id).await.expect("the update"));
    let lease = Duration::from_secs(60);
    assert!(!artifact_repo::claim(&mut connection, build.id, Uuid::now_v7(), lease)
        .await
        .expect("the update"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_build_list_searches_spec_names_and_comes_in_pages_with_a_total() {
    let database = migrated_database().await;
    let app = build_app(&database, idle_build_setup());
    let user = sign_up(&app.router, "lister@example.com").await;
    for name in ["Todo list", "Notes", "TODO v2 (50% off)"] {
        let spec = create_spec(&app.router, &user, name, SPEC).await;
        start_build(&app.router, &user, spec["id"].as_str().unwrap()).await;
    }
    let names = |response: &common::TestResponse| {
        let listed: Vec<app::model::builds::BuildSummary> = common::body_as(response);
        listed.into_iter().map(|build| build.spec_name).collect::<Vec<_>>()
    };
    let total =
        |response: &common::TestResponse| response.headers["x-total-count"].to_str().unwrap().to_owned();

    let found = get_as(&app.router, "/api/builds?search=todo", As::User(&user)).await;
    assert_eq!(names(&found), ["TODO v2 (50% off)", "Todo list"], "newest first, any case");
    assert_eq!(total(&found), "2");
    let literal = get_as(&app.router, "/api/builds?search=50%25", As::User(&user)).await;
    assert_eq!(names(&literal), ["TODO v2 (50% off)"], "% is a character, not a wildcard");

    let second = get_as(&app.router, "/api/builds?limit=2&page=2", As::User(&user)).await;
    assert_eq!(names(&second), ["Todo list"]);
    assert_eq!(total(&second), "3");
    let past_the_end = get_as(&app.router, "/api/builds?limit=2&page=9", As::User(&user)).await;
    assert_eq!((names(&past_the_end).len(), total(&past_the_end)), (0, "3".to_owned()));

    let other = sign_up(&app.router, "other-lister@example.com").await;
    let theirs = get_as(&app.router, "/api/builds?search=todo", As::User(&other)).await;
    assert_eq!((names(&theirs).len(), total(&theirs)), (0, "0".to_owned()));
}
