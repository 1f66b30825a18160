//! The local sandbox engine with real processes under bubblewrap: what a
//! command may touch, and the limits that stop the ones that misbehave.

use crate::common;
// The egress proxy and forwarder with curl.
mod egress;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use server::sandbox::archive::ExcludeRules;
use server::sandbox::local::LocalEngine;
use server::sandbox::{
    CommandOutput, Isolation, OutputLine, OutputStream, Sandbox, SandboxEngine, SandboxError, SandboxLimits,
    SandboxNetwork,
};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

struct TestSandbox {
    sandbox: Arc<dyn Sandbox>,
    _root: TempRoot,
}

/// A scratch directory removed at the end of the test.
struct TempRoot(PathBuf);

impl Drop for TempRoot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn sandbox_with(limits: SandboxLimits) -> TestSandbox {
    let root = std::env::temp_dir().join(format!("agents-sandbox-test-{}", Uuid::now_v7()));
    let engine = LocalEngine::new(common::sandbox_config(root.clone(), limits, SandboxNetwork::None))
        .expect("bubblewrap is installed (scripts/setup installs it)");
    assert_eq!(engine.isolation(), Isolation::Isolated);
    let sandbox = engine.create(Uuid::now_v7()).await.expect("a sandbox");
    TestSandbox { sandbox, _root: TempRoot(root) }
}

async fn sandbox() -> TestSandbox {
    sandbox_with(SandboxLimits { timeout: Duration::from_secs(30), ..SandboxLimits::default() }).await
}

/// Runs `command` and gathers its output.
async fn run(sandbox: &dyn Sandbox, command: &str) -> (server::sandbox::CommandOutcome, Vec<OutputLine>) {
    let (sender, mut receiver) = mpsc::channel(64);
    let collector = tokio::spawn(async move {
        let mut lines = Vec::new();
        while let Some(output) = receiver.recv().await {
            if let CommandOutput::Line(line) = output {
                lines.push(line);
            }
        }
        lines
    });
    let outcome = sandbox.run(command, sender, CancellationToken::new()).await.expect("the command runs");
    (outcome, collector.await.expect("collector"))
}

fn text_of(lines: &[OutputLine], stream: OutputStream) -> String {
    lines.iter().filter(|line| line.stream == stream).map(|line| format!("{}\n", line.text)).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_command_streams_its_output_and_exit_code_and_works_in_the_work_directory() {
    let test = sandbox().await;
    let (outcome, lines) =
        run(&*test.sandbox, "echo out; echo err >&2; printf 'ünï\\n' > notes.txt; pwd; exit 3").await;
    assert_eq!(outcome.exit_code, Some(3));
    assert_eq!(text_of(&lines, OutputStream::Stdout), "out\n/work\n");
    assert_eq!(text_of(&lines, OutputStream::Stderr), "err\n");
    assert_eq!(test.sandbox.read_file("notes.txt").await.unwrap(), "ünï\n".as_bytes());

    test.sandbox.write_file("src/app.js", b"console.log(6 * 7)\n").await.unwrap();
    let (outcome, lines) = run(&*test.sandbox, "node src/app.js && git init -q && ls -a").await;
    assert!(outcome.succeeded(), "{lines:?}");
    assert_eq!(lines[0].text, "42");
    let listing = test.sandbox.list_files("**", CancellationToken::new()).await.unwrap();
    let listed: Vec<String> = listing.entries.into_iter().map(|entry| entry.path).collect();
    assert_eq!(listed, ["notes.txt", "src", "src/app.js"], "sorted, without .git");
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_outside_the_work_directory_can_be_read_written_or_reached() {
    let secret = std::env::temp_dir().join(format!("agents-secret-{}", Uuid::now_v7()));
    std::fs::write(&secret, "host secret").unwrap();
    let test = sandbox().await;
    let command = format!(
        "cat {} || echo no-read; touch /usr/evil || echo no-write; \
         python3 -c \"import socket; socket.create_connection(('1.1.1.1', 80), 3)\" || echo no-network; \
         cat /etc/shadow || echo no-shadow",
        secret.display()
    );
    let (_, lines) = run(&*test.sandbox, &command).await;
    let stdout = text_of(&lines, OutputStream::Stdout);
    std::fs::remove_file(&secret).unwrap();
    assert!(!stdout.contains("host secret"), "{stdout}");
    for refused in ["no-read", "no-write", "no-network", "no-shadow"] {
        assert!(stdout.contains(refused), "{refused} missing in {stdout}");
    }
    assert!(!std::path::Path::new("/usr/evil").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn file_operations_refuse_paths_and_links_that_lead_outside() {
    let test = sandbox().await;
    for escape in ["../escape", "/etc/passwd", "a/../../escape"] {
        assert!(
            matches!(test.sandbox.read_file(escape).await, Err(SandboxError::OutsideWorkDir(_))),
            "{escape}"
        );
        assert!(
            matches!(test.sandbox.write_file(escape, b"x").await, Err(SandboxError::OutsideWorkDir(_))),
            "{escape}"
        );
    }
    // A link made inside the sandbox points at the host's files from outside it.
    run(&*test.sandbox, "ln -s /etc/passwd leak && mkdir -p d && ln -s /etc d/etc").await;
    assert!(matches!(test.sandbox.read_file("leak").await, Err(SandboxError::OutsideWorkDir(_))));
    assert!(matches!(test.sandbox.write_file("leak", b"x").await, Err(SandboxError::OutsideWorkDir(_))));
    assert!(matches!(
        test.sandbox.write_file("d/etc/evil", b"x").await,
        Err(SandboxError::OutsideWorkDir(_))
    ));
    assert!(matches!(test.sandbox.read_file("missing.txt").await, Err(SandboxError::NotFound(_))));
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_kills_every_process_of_the_command_within_seconds() {
    let test = sandbox().await;
    let cancel = CancellationToken::new();
    let (sender, _receiver) = mpsc::channel(64);
    let sandbox = test.sandbox.clone();
    let running = {
        let cancel = cancel.clone();
        tokio::spawn(async move { sandbox.run("sleep 600 & sleep 600; echo never", sender, cancel).await })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = tokio::time::Instant::now();
    cancel.cancel();
    let outcome = tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .expect("stopped within 5 seconds")
        .unwrap()
        .unwrap();
    assert!(outcome.cancelled && outcome.exit_code.is_none(), "{outcome:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_command_past_its_timeout_is_killed() {
    let test =
        sandbox_with(SandboxLimits { timeout: Duration::from_secs(1), ..SandboxLimits::default() }).await;
    let (outcome, _) = run(&*test.sandbox, "sleep 600").await;
    assert!(outcome.timed_out && outcome.exit_code.is_none(), "{outcome:?}");
    assert!(outcome.duration < Duration::from_secs(5), "{outcome:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fork_bomb_hits_the_process_limit() {
    let limits =
        SandboxLimits { timeout: Duration::from_secs(10), max_processes: 32, ..SandboxLimits::default() };
    let test = sandbox_with(limits).await;
    let (outcome, lines) =
        run(&*test.sandbox, "i=0; while [ $i -lt 500 ]; do sleep 30 & i=$((i+1)); done; echo spawned").await;
    let stderr = text_of(&lines, OutputStream::Stderr);
    assert!(stderr.to_lowercase().contains("fork"), "no fork refused: {stderr}");
    assert!(!outcome.timed_out, "the refused forks end the loop quickly: {outcome:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ten_gigabyte_allocation_hits_the_memory_limit() {
    let limits = SandboxLimits { memory_bytes: 256 * 1024 * 1024, ..SandboxLimits::default() };
    let test = sandbox_with(limits).await;
    let (outcome, lines) =
        run(&*test.sandbox, "python3 -c \"b = bytearray(10 * 1024 ** 3); print('allocated', len(b))\"").await;
    assert!(!outcome.succeeded(), "{outcome:?} {lines:?}");
    assert!(!text_of(&lines, OutputStream::Stdout).contains("allocated"));
}

#[tokio::test(flavor = "multi_thread")]
async fn output_past_the_limit_is_held_back_and_said_so() {
    let limits = SandboxLimits { max_output_bytes: 1000, ..SandboxLimits::default() };
    let test = sandbox_with(limits).await;
    let (outcome, lines) = run(&*test.sandbox, "seq 1 100000").await;
    assert!(outcome.succeeded() && outcome.is_output_truncated, "{outcome:?}");
    let passed: usize = lines.iter().map(|line| line.text.len() + 1).sum();
    assert!(passed <= 1000, "{passed} bytes passed on");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_work_directory_streams_as_a_tar_gz_with_links_kept_as_links_and_excludes_left_out() {
    use futures_util::StreamExt;
    use std::io::Read;

    let test = sandbox().await;
    test.sandbox.write_file("src/app.js", b"console.log(1)\n").await.unwrap();
    // Incompressible bytes, so the archive spans several chunks.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let noise: Vec<u8> = (0..300_000)
        .map(|_| {
            // xorshift64: random enough that gzip cannot shrink it.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect();
    test.sandbox.write_file("data/noise.bin", &noise).await.unwrap();
    test.sandbox.write_file("web/node_modules/left/index.js", b"x").await.unwrap();
    let (outcome, _) =
        run(&*test.sandbox, "ln -s /etc/passwd passwd-link && mkfifo pipe && git init -q").await;
    assert!(outcome.succeeded());

    let excludes = ExcludeRules::new(&ExcludeRules::default_patterns()).unwrap();
    let written = test.sandbox.archive(std::sync::Arc::new(excludes)).await.expect("an archive");
    let mut stream = written.stream;
    let mut bytes = Vec::new();
    let mut chunks = 0;
    while let Some(chunk) = stream.next().await {
        bytes.extend_from_slice(&chunk.expect("a chunk"));
        chunks += 1;
    }
    assert!(chunks > 1, "streamed in pieces");
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
    let mut found = std::collections::HashMap::new();
    for entry in archive.entries().expect("a tar") {
        let mut entry = entry.expect("an entry");
        let path = entry.path().unwrap().to_string_lossy().trim_start_matches("./").to_owned();
        let link = entry.link_name().unwrap().map(|target| target.to_string_lossy().into_owned());
        let is_file = entry.header().entry_type().is_file();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        found.insert(path, (content, link, is_file));
    }
    assert_eq!(found["src/app.js"].0, b"console.log(1)\n");
    assert_eq!(found["data/noise.bin"].0, noise);
    assert_eq!(found["passwd-link"].1.as_deref(), Some("/etc/passwd"), "the link, not the host's file");
    assert!(found["passwd-link"].0.is_empty());
    assert!(found.keys().any(|path| path.starts_with(".git/")), "the git history comes along");
    assert!(!found.keys().any(|path| path.contains("node_modules")), "excluded: {:?}", found.keys());
    assert!(!found.contains_key("pipe"), "a FIFO is no file to archive");

    let contents = written.contents.await.expect("the archive's contents");
    let mut regular_files: Vec<&str> = found
        .iter()
        .filter(|(path, (_, _, is_file))| *is_file && !path.starts_with(".git/"))
        .map(|(path, _)| path.as_str())
        .collect();
    regular_files.sort();
    let listed: Vec<&str> = contents.files.iter().map(|file| file.path.as_str()).collect();
    assert_eq!(listed, regular_files, "the contents list every file outside .git, sorted");
    let app = contents.files.iter().find(|file| file.path == "src/app.js").unwrap();
    assert_eq!((app.size_bytes, app.is_text), (15, true));
    assert_eq!(app.sha256, common::sha256_hex(b"console.log(1)\n"));
    let noise_file = contents.files.iter().find(|file| file.path == "data/noise.bin").unwrap();
    assert!(!noise_file.is_text);
    assert!(contents.git_files > 0 && contents.git_bytes > 0);
    assert_eq!(contents.skipped, 1, "the FIFO");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relative_sandbox_root_works_like_an_absolute_one() {
    // The default root is `data/sandboxes`, relative to where the server starts.
    let relative = PathBuf::from(format!("target/relative-sandboxes-{}", Uuid::now_v7()));
    let absolute = std::env::current_dir().unwrap().join(&relative);
    let _cleanup = TempRoot(absolute.clone());
    let limits = SandboxLimits { timeout: Duration::from_secs(30), ..SandboxLimits::default() };
    let engine =
        LocalEngine::new(common::sandbox_config(relative, limits, SandboxNetwork::None)).expect("an engine");
    let sandbox = engine.create(Uuid::now_v7()).await.expect("a sandbox");
    let (outcome, lines) = run(&*sandbox, "echo hello > greeting.txt && cat greeting.txt").await;
    assert!(outcome.succeeded(), "{lines:?}");
    assert_eq!(lines[0].text, "hello");
    assert_eq!(sandbox.read_file("greeting.txt").await.unwrap(), b"hello\n");
    // Once let go, nothing of it is left mounted: the root removes whole.
    drop((sandbox, engine));
    std::fs::remove_dir_all(&absolute).expect("the sandbox root is removed, its disk unmounted");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sandbox_root_the_build_user_cannot_reach_is_refused_at_start() {
    use std::os::unix::fs::PermissionsExt;

    let private = std::env::temp_dir().join(format!("agents-private-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&private).unwrap();
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700)).unwrap();
    let _cleanup = TempRoot(private.clone());
    let config =
        common::sandbox_config(private.join("sandboxes"), SandboxLimits::default(), SandboxNetwork::None);
    let error = LocalEngine::new(config).err().expect("refused").to_string();
    assert!(error.contains("cannot reach") && error.contains("SANDBOX_ROOT"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_work_directory_whose_restore_was_cut_short_is_removed_not_opened_as_whole() {
    let root = std::env::temp_dir().join(format!("agents-restore-test-{}", Uuid::now_v7()));
    let _cleanup = TempRoot(root.clone());
    let limits = SandboxLimits { timeout: Duration::from_secs(30), ..SandboxLimits::default() };
    let engine = LocalEngine::new(common::sandbox_config(root.clone(), limits, SandboxNetwork::None))
        .expect("an engine");
    let source = engine.create(Uuid::now_v7()).await.expect("a sandbox");
    source.write_file("app.js", b"console.log(1)\n").await.unwrap();
    source.write_file("feature_list.json", b"[]").await.unwrap();
    let excludes = Arc::new(ExcludeRules::new(&[]).unwrap());

    // A restore that finishes leaves the directory whole and opened as such.
    let id = Uuid::now_v7();
    let restored = engine.create(id).await.expect("a sandbox");
    restored.restore(source.archive(excludes.clone()).await.unwrap().stream).await.expect("restored");
    drop(restored);
    let opened = engine.open(id).await.unwrap().expect("a finished restore opens");
    assert_eq!(opened.read_file("app.js").await.unwrap(), b"console.log(1)\n");
    drop(opened);

    // As a process that died in the middle of a restore leaves one: a mark beside half the files.
    let cut_short = Uuid::now_v7();
    let half = engine.create(cut_short).await.expect("a sandbox");
    half.write_file("feature_list.json", b"[]").await.unwrap();
    drop(half);
    std::fs::write(root.join(format!("{cut_short}.restoring")), b"").unwrap();
    assert!(engine.open(cut_short).await.unwrap().is_none(), "half a work directory does not open");
    assert!(!root.join(format!("{cut_short}.restoring")).exists(), "its mark went with it");
    assert!(engine.open(cut_short).await.unwrap().is_none(), "and so did its files");
    drop(source);
}
