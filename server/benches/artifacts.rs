//! Whether archiving a build's work directory and uploading it costs the
//! server little memory and goes nearly as fast as `tar czf`. Makes a
//! ~200 MB work directory under `$TMPDIR` (sources, fixtures, partly
//! compressible binaries, a `.git`, and `node_modules/` the default excludes
//! leave out), then prints, in one run:
//! - `tar czf` of it to a file with the same excludes: the reference;
//! - `sandbox::archive::tar_gz` streamed into `Storage::upload` on the local
//!   backend: seconds, MB/s and the ratio to `tar czf` (goal ≥ 70 %);
//! - the server's peak memory growth meanwhile (goal < 64 MB);
//! - the read-back check (`Storage::sha256_of`), timed apart.
//!
//! MB are 2^20 bytes; throughput counts only the bytes archived. Run with
//! `scripts/bench`, or `cargo bench -p server --bench artifacts`.

#[path = "shared/memory.rs"]
mod memory;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use memory::MemoryWatch;
use server::sandbox::archive::{tar_gz, ExcludeRules};
use server::sandbox::SandboxLimits;
use server::storage::signed_url::UrlSigner;
use server::storage::{ObjectKey, Storage, StorageBackend};

const MB: f64 = 1024.0 * 1024.0;
/// What the archive holds, `.git` included; `node_modules/` comes on top.
const ARCHIVED_BYTES: u64 = 200 * 1024 * 1024;
const SMALL_SOURCES: usize = 4_000;
const BINARIES: usize = 10;
const BINARY_BYTES: u64 = 7 * 1024 * 1024;
const GIT_LOOSE_OBJECTS: usize = 300;
const GIT_PACK_BYTES: u64 = 14 * 1024 * 1024;
const NODE_PACKAGES: usize = 800;
/// Binaries are written in blocks of three kinds: random, records, sparse.
const BLOCK_BYTES: usize = 64 * 1024;
/// The goals.
const GOAL_RATIO_PERCENT: f64 = 70.0;
const GOAL_PEAK_MEMORY_MB: f64 = 64.0;

#[tokio::main]
async fn main() {
    let temp = TempDir::create();
    let work = temp.path().join("work");
    let tree = make_work_directory(&work);
    println!(
        "work directory: {} files archived ({} in .git), {:.1} MB; {} files, {:.1} MB in node_modules/ left out",
        tree.archived_files,
        tree.git_files,
        tree.archived_bytes as f64 / MB,
        tree.excluded_files,
        tree.excluded_bytes as f64 / MB
    );

    let patterns = ExcludeRules::default_patterns();
    let reference = tar_czf(&work, &patterns, &temp.path().join("reference.tar.gz"));
    let reference_rate = tree.archived_bytes as f64 / MB / reference.elapsed.as_secs_f64();
    println!(
        "tar czf (reference):                {:>7.2} s {:>7.1} MB/s   archive {:>6.1} MB, cpu {:.2} s",
        reference.elapsed.as_secs_f64(),
        reference_rate,
        reference.archive_bytes as f64 / MB,
        reference.cpu.as_secs_f64()
    );

    let storage = Storage::open(
        &StorageBackend::Local { root: temp.path().join("storage") },
        UrlSigner::new(vec![7; 32]).expect("a 32-byte key is long enough"),
    )
    .expect("a local storage root under $TMPDIR");
    let key = ObjectKey::parse("builds/bench/work.tar.gz").expect("a valid key");
    let excludes = Arc::new(ExcludeRules::new(&patterns).expect("the default patterns are valid"));

    let memory = MemoryWatch::start();
    let cpu_before = cpu_time(libc::RUSAGE_SELF);
    let started = Instant::now();
    let archive = tar_gz(work.clone(), excludes, SandboxLimits::default().disk_bytes);
    let uploaded = storage.upload(&key, archive.stream).await.expect("the upload");
    let contents = archive.contents.await.expect("the archive's contents once it ended");
    let elapsed = started.elapsed();
    let cpu = cpu_time(libc::RUSAGE_SELF) - cpu_before;
    let peak = memory.finish();

    let archived_bytes = contents.files.iter().map(|file| file.size_bytes).sum::<u64>() + contents.git_bytes;
    let archived_files = contents.files.len() as u64 + contents.git_files;
    if (archived_bytes, archived_files) != (tree.archived_bytes, tree.archived_files) {
        println!(
            "note: the platform archived {archived_files} files, {archived_bytes} bytes; {} files, {} bytes were expected",
            tree.archived_files, tree.archived_bytes
        );
    }
    let rate = tree.archived_bytes as f64 / MB / elapsed.as_secs_f64();
    let ratio = 100.0 * rate / reference_rate;
    println!(
        "tar_gz → Storage::upload (local):   {:>7.2} s {:>7.1} MB/s   archive {:>6.1} MB, cpu {:.2} s",
        elapsed.as_secs_f64(),
        rate,
        uploaded.size_bytes as f64 / MB,
        cpu.as_secs_f64()
    );
    println!(
        "  ratio to tar czf:                 {ratio:>7.0} %            goal ≥ {GOAL_RATIO_PERCENT:.0} %   {}",
        verdict(ratio >= GOAL_RATIO_PERCENT)
    );
    println!(
        "  peak memory growth:               {:>7.1} MB           goal < {GOAL_PEAK_MEMORY_MB:.0} MB  {}",
        peak.growth_mb(),
        verdict(peak.growth_mb() < GOAL_PEAK_MEMORY_MB)
    );
    println!("    ({}; VmRSS before {:.1} MB)", peak.method(), peak.baseline_kb as f64 / 1024.0);

    let started = Instant::now();
    let stored_sha256 = storage.sha256_of(&key).await.expect("the object read back");
    let verify = started.elapsed();
    println!(
        "verify (Storage::sha256_of):        {:>7.2} s {:>7.1} MB/s   the SHA-256 {}",
        verify.as_secs_f64(),
        uploaded.size_bytes as f64 / MB / verify.as_secs_f64(),
        if stored_sha256 == uploaded.sha256 { "matches" } else { "DIFFERS" }
    );
}

fn verdict(is_met: bool) -> &'static str {
    if is_met {
        "PASS"
    } else {
        "MISS"
    }
}

/// The bench's folder under `$TMPDIR`, removed when dropped (on a panic too).
struct TempDir(PathBuf);

impl TempDir {
    fn create() -> Self {
        let path =
            std::env::temp_dir().join(format!("agents-platform-bench-artifacts.{}", std::process::id()));
        std::fs::create_dir(&path).expect("a fresh folder under $TMPDIR");
        Self(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Reference {
    elapsed: Duration,
    cpu: Duration,
    archive_bytes: u64,
}

/// GNU tar, gzip at its default level, writing a file as the local backend
/// does (`/dev/null` would let tar skip reading when not compressing).
fn tar_czf(dir: &Path, patterns: &[String], out: &Path) -> Reference {
    let mut command = Command::new("tar");
    command.arg("-czf").arg(out);
    // `name/` in the platform's patterns is a directory of that name at any
    // depth, which is what tar's `--exclude=name` matches.
    for pattern in patterns {
        command.arg(format!("--exclude={}", pattern.trim_end_matches('/')));
    }
    command.arg("-C").arg(dir).arg(".");
    let cpu_before = cpu_time(libc::RUSAGE_CHILDREN);
    let started = Instant::now();
    let status = command.status().expect("GNU tar on the PATH");
    let elapsed = started.elapsed();
    assert!(status.success(), "tar czf failed: {status}");
    let archive_bytes = std::fs::metadata(out).expect("tar's archive").len();
    std::fs::remove_file(out).expect("remove tar's archive");
    Reference { elapsed, cpu: cpu_time(libc::RUSAGE_CHILDREN) - cpu_before, archive_bytes }
}

/// User plus system time of this process, or of its waited-for children
/// (tar and the gzip it runs).
fn cpu_time(who: libc::c_int) -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(who, &mut usage);
        usage
    };
    let micros = |time: libc::timeval| time.tv_sec as u64 * 1_000_000 + time.tv_usec as u64;
    Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
}

struct WorkTree {
    archived_files: u64,
    archived_bytes: u64,
    git_files: u64,
    excluded_files: u64,
    excluded_bytes: u64,
}

/// Writes the work directory, file by file through small buffers, so the
/// set-up leaves no large heap behind to flatter the memory figure.
fn make_work_directory(root: &Path) -> WorkTree {
    let mut rng = Rng(0x5eed_a11c_e5ba_5e00);
    let mut tree =
        WorkTree { archived_files: 0, archived_bytes: 0, git_files: 0, excluded_files: 0, excluded_bytes: 0 };
    let archive = |tree: &mut WorkTree, bytes: u64| {
        tree.archived_files += 1;
        tree.archived_bytes += bytes;
    };

    // Sources: a few thousand small text files in nested modules.
    const EXTENSIONS: [&str; 5] = ["rs", "ts", "tsx", "py", "md"];
    for index in 0..SMALL_SOURCES {
        let dir = root.join("src").join(WORDS[index % 8]).join(format!(
            "{}_{}",
            WORDS[index / 8 % 40],
            index / 320
        ));
        let path = dir.join(format!("{}_{index}.{}", rng.pick(WORDS), EXTENSIONS[index % EXTENSIONS.len()]));
        let size = 1024 + rng.below(23 * 1024);
        archive(&mut tree, write_file(&path, size, source_line, &mut rng));
    }

    // Binaries: databases, bundles, images; partly compressible.
    for index in 0..BINARIES {
        let path = root.join("assets").join(format!(
            "{}_{index}.{}",
            rng.pick(WORDS),
            ["wasm", "sqlite", "png"][index % 3]
        ));
        archive(&mut tree, write_binary(&path, BINARY_BYTES, &mut rng, false));
    }

    // The agent's history: zlib'd objects and a pack, so incompressible.
    let git = root.join(".git");
    for (name, text) in [
        ("HEAD", "ref: refs/heads/main\n"),
        ("config", "[core]\n\tbare = false\n"),
        ("refs/heads/main", "4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"),
    ] {
        archive(&mut tree, write_text(&git.join(name), text));
        tree.git_files += 1;
    }
    for _ in 0..GIT_LOOSE_OBJECTS {
        let hash = format!("{:016x}{:016x}", rng.next(), rng.next());
        let path = git.join("objects").join(&hash[..2]).join(&hash[2..]);
        archive(&mut tree, write_binary(&path, 1024 + rng.below(63 * 1024), &mut rng, true));
        tree.git_files += 1;
    }
    let pack = git.join("objects/pack").join(format!("pack-{:016x}.pack", rng.next()));
    archive(&mut tree, write_binary(&pack, GIT_PACK_BYTES, &mut rng, true));
    tree.git_files += 1;

    // Fixtures and logs: medium text files up to the archive's size.
    let mut index = 0;
    while tree.archived_bytes < ARCHIVED_BYTES {
        let remaining = ARCHIVED_BYTES - tree.archived_bytes;
        let size = (256 * 1024 + rng.below(1536 * 1024)).min(remaining);
        let (extension, line): (_, fn(&mut Vec<u8>, &mut Rng)) =
            if index % 2 == 0 { ("json", fixture_line) } else { ("log", log_line) };
        let path = root.join("fixtures").join(format!("{}_{index}.{extension}", rng.pick(WORDS)));
        archive(&mut tree, write_file(&path, size, line, &mut rng));
        index += 1;
    }

    // Dependencies the default excludes leave out, at the top and deeper.
    for index in 0..NODE_PACKAGES {
        let top = if index % 8 == 0 { root.join("web/node_modules") } else { root.join("node_modules") };
        let package = top.join(format!("{}-{}", rng.pick(WORDS), index));
        let manifest = format!(
            "{{\"name\":\"{}-{index}\",\"version\":\"1.{}.0\",\"main\":\"index.js\"}}\n",
            rng.pick(WORDS),
            rng.below(40)
        );
        tree.excluded_bytes += write_text(&package.join("package.json"), &manifest);
        let size = 4 * 1024 + rng.below(56 * 1024);
        tree.excluded_bytes += write_file(&package.join("index.js"), size, source_line, &mut rng);
        tree.excluded_files += 2;
    }
    tree
}

fn create(path: &Path) -> BufWriter<File> {
    std::fs::create_dir_all(path.parent().expect("a file under the work directory"))
        .expect("create a folder");
    BufWriter::with_capacity(BLOCK_BYTES, File::create(path).expect("create a file"))
}

fn write_text(path: &Path, text: &str) -> u64 {
    let mut out = create(path);
    out.write_all(text.as_bytes()).expect("write a file");
    out.flush().expect("write a file");
    text.len() as u64
}

/// A text file of exactly `size` bytes made of `line`s.
fn write_file(path: &Path, size: u64, line: fn(&mut Vec<u8>, &mut Rng), rng: &mut Rng) -> u64 {
    let mut out = create(path);
    let mut written = 0;
    let mut buffer = Vec::with_capacity(256);
    while written < size {
        buffer.clear();
        line(&mut buffer, rng);
        let take = buffer.len().min((size - written) as usize);
        out.write_all(&buffer[..take]).expect("write a file");
        written += take as u64;
    }
    out.flush().expect("write a file");
    size
}

/// Blocks of random bytes, of fixed-size records with slowly changing
/// fields, and of mostly zeros, in about 4:3:3 (or all random).
fn write_binary(path: &Path, size: u64, rng: &mut Rng, is_random: bool) -> u64 {
    let mut out = create(path);
    let mut block = vec![0u8; BLOCK_BYTES];
    let mut written = 0;
    let mut counter = 0u32;
    while written < size {
        let take = BLOCK_BYTES.min((size - written) as usize);
        let block = &mut block[..take];
        match if is_random { 0 } else { rng.below(10) } {
            0..=3 => block.chunks_mut(8).for_each(|bytes| {
                let len = bytes.len();
                bytes.copy_from_slice(&rng.next().to_le_bytes()[..len])
            }),
            4..=6 => block.chunks_mut(16).for_each(|record| {
                counter = counter.wrapping_add(1);
                let mut fields = [0u8; 16];
                fields[..4].copy_from_slice(&counter.to_le_bytes());
                fields[4..8].copy_from_slice(&(rng.below(256) as u32).to_le_bytes());
                fields[8..12].copy_from_slice(&((counter as f32 / 100.0).sin()).to_le_bytes());
                fields[12..].copy_from_slice(b"REC\n");
                let len = record.len();
                record.copy_from_slice(&fields[..len]);
            }),
            _ => {
                block.fill(0);
                for _ in 0..take / 512 {
                    let at = rng.below(take as u64) as usize;
                    block[at] = rng.next() as u8;
                }
            }
        }
        out.write_all(block).expect("write a file");
        written += take as u64;
    }
    out.flush().expect("write a file");
    size
}

const WORDS: &[&str] = &[
    "build", "spec", "todo", "item", "user", "title", "state", "event", "stream", "chunk", "index", "value",
    "result", "error", "config", "route", "handler", "request", "response", "cache", "store", "queue",
    "task", "line", "path", "file", "size", "count", "limit", "owner", "session", "token", "render",
    "layout", "button", "filter", "sort", "page", "query", "model", "archive", "upload", "viewer", "runner",
    "sandbox", "project", "commit", "branch", "feature", "proof",
];
const TYPES: &[&str] =
    &["u64", "usize", "String", "&str", "bool", "Vec<u8>", "Option<Uuid>", "Result<(), Error>"];

/// A line of code or comment, with made-up names and numbers so gzip has work.
fn source_line(out: &mut Vec<u8>, rng: &mut Rng) {
    let (a, b, c) = (rng.pick(WORDS), rng.pick(WORDS), rng.pick(WORDS));
    let indent = "    ".repeat(rng.below(4) as usize);
    let _ = match rng.below(8) {
        0 => writeln!(
            out,
            "{indent}// {a} the {b} before its {c} is {} ({})",
            rng.pick(WORDS),
            rng.below(10_000)
        ),
        1 => writeln!(out, "{indent}fn {a}_{b}({c}: {}) -> {} {{", rng.pick(TYPES), rng.pick(TYPES)),
        2 => writeln!(out, "{indent}let {a}_{} = {b}.{c}({});", rng.below(100), rng.below(1_000_000)),
        3 => writeln!(out, "{indent}if {a}.is_{b}() && {c} > {} {{", rng.below(4096)),
        4 => writeln!(out, "{indent}return Err(Error::{}{}(\"{a} {b}\".into()));", capital(c), rng.below(50)),
        5 => writeln!(out, "{indent}{a}.{b}.push({c}_{:x});", rng.next() & 0xffff_ffff),
        6 => writeln!(out, "{indent}}}"),
        _ => writeln!(out),
    };
}

/// A JSON fixture record.
fn fixture_line(out: &mut Vec<u8>, rng: &mut Rng) {
    let _ = writeln!(
        out,
        "{{\"id\":\"{:016x}\",\"owner\":\"{}\",\"count\":{},\"ratio\":0.{},\"tags\":[\"{}\",\"{}\"],\"created_at\":\"2026-12-{:02}T{:02}:{:02}:{:02}Z\"}}",
        rng.next(),
        rng.pick(WORDS),
        rng.below(100_000),
        rng.below(1_000_000),
        rng.pick(WORDS),
        rng.pick(WORDS),
        1 + rng.below(28),
        rng.below(24),
        rng.below(60),
        rng.below(60)
    );
}

/// A build log line.
fn log_line(out: &mut Vec<u8>, rng: &mut Rng) {
    let _ = writeln!(
        out,
        "2026-12-01T{:02}:{:02}:{:02}.{:03}Z {} build={:08x} step={} {}={} took={}ms",
        rng.below(24),
        rng.below(60),
        rng.below(60),
        rng.below(1000),
        ["INFO", "INFO", "INFO", "DEBUG", "WARN"][rng.below(5) as usize],
        rng.next() as u32,
        rng.pick(WORDS),
        rng.pick(WORDS),
        rng.below(10_000),
        rng.below(5_000)
    );
}

fn capital(word: &str) -> String {
    let mut characters = word.chars();
    characters
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + characters.as_str())
        .unwrap_or_default()
}

/// SplitMix64: the same tree on every run, without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}
