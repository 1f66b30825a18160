use std::process::ExitCode;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use leptos::config::get_configuration;
use offline_agent::OfflineAgent;
use server::auth::AccountService;
use server::chats::{AssistantSettings, ChatService};
use server::config::{Config, StorageConfig};
use server::db::{build_pool, migrations::run_pending_migrations, Connect, DbPool};
use server::http::page_rate_limit::PageRequestLimiter;
use server::http::preview_site::{preview_router, PreviewSite};
use server::http::{router, serve::serve, AppState, BuildSetup};
use server::llm::{provider_from_config, LlmProvider, ProviderKind};
use server::previews::access::AccessSigner;
use server::sandbox::local::LocalEngine;
use server::sandbox::{Isolation, SandboxEngine};
use server::storage::signed_url::UrlSigner;
use server::storage::Storage;
use server::webhooks::WebhookEngine;
use server::{shutdown, telemetry};
use tokio_util::sync::CancellationToken;

/// Rendering a page allocates thousands of small strings; under load glibc's
/// malloc took about a fifth of the CPU and contended on its arena locks.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: {error}\nSee env.example for every setting and its default.");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.process.log_format);
    if config.auth.trust_forwarded_for && config.auth.public_origin.is_none() {
        tracing::warn!(
            "TRUST_X_FORWARDED_FOR is on but PUBLIC_URL is not set: behind a TLS proxy, set \
             PUBLIC_URL=https://... so the session cookie is marked Secure"
        );
    }

    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> anyhow::Result<()> {
    let applied =
        run_pending_migrations(&config.database.url).await.context("could not prepare the database")?;
    if applied.is_empty() {
        tracing::info!("database schema is up to date");
    } else {
        tracing::info!(migrations = ?applied, "applied database migrations");
    }

    let pool = build_pool(&config.database).context("could not create the database pool")?;

    // cargo-leptos passes the site layout (output name, site root, hashed
    // file names) through LEPTOS_* variables; the address is ours.
    let mut leptos_options =
        get_configuration(None).context("could not read the Leptos site configuration")?.leptos_options;
    leptos_options.site_addr = config.process.site_addr;

    let provider = provider_from_config(&config.llm).context("could not set up the model provider")?;
    let info = provider.describe();
    tracing::info!(provider = info.kind.label(), model = %info.model, "the assistant is ready");
    // Builds talk to the same provider; without a key, the built-in agent drives them.
    let agent: Arc<dyn LlmProvider> = match config.llm.kind {
        ProviderKind::Offline => Arc::new(OfflineAgent::new(config.builds.offline_step_delay)),
        _ => provider.clone(),
    };
    let assistant = AssistantSettings {
        provider,
        max_tokens: config.llm.max_tokens,
        max_continuations: config.llm.max_continuations,
    };
    let sandbox = LocalEngine::new(config.sandbox.clone()).context("could not set up the build sandbox")?;
    match sandbox.isolation() {
        Isolation::Isolated => {
            tracing::info!(root = %config.sandbox.root.display(), "build sandboxes isolate with bubblewrap")
        }
        Isolation::Unisolated => tracing::warn!(
            "BUILD COMMANDS RUN WITHOUT ISOLATION (SANDBOX_ALLOW_UNISOLATED=true and no bubblewrap): \
             an agent can read and change anything this server's user can"
        ),
    }
    let (storage, preview_key) = open_storage(&config.storage)?;
    tracing::info!(backend = storage.backend_name(), "build artifacts go to object storage");
    let build_setup = BuildSetup {
        settings: config.builds,
        sandbox: Arc::new(sandbox),
        agent,
        storage,
        artifacts: config.storage.artifacts.clone(),
        prices: config.llm.model_prices.clone(),
        previews: config.previews.clone(),
        preview_signer: Arc::new(AccessSigner::new(preview_key)),
    };
    let webhooks = WebhookEngine::new(pool.clone(), config.webhooks, config.auth.quotas)
        .context("could not set up webhook delivery")?;
    let state = AppState::new(leptos_options, pool, config.auth.clone(), assistant, build_setup, webhooks);
    let interrupted =
        state.chats.recover_interrupted_replies().await.context("could not check for interrupted replies")?;
    if interrupted > 0 {
        tracing::info!(interrupted, "marked replies left unfinished by the last run as interrupted");
    }
    let chats = state.chats.clone();
    let builds = state.builds.clone();
    builds.start(Some(config.database.url.clone()));
    let webhooks = state.webhooks.clone();
    webhooks.start();
    tracing::info!(workers = config.builds.workers, worker_id = %builds.worker_id(), "the build engine is running");
    let housekeeping = spawn_housekeeping(
        state.accounts.clone(),
        state.chats.clone(),
        state.pool.clone(),
        state.page_requests.clone(),
    );
    let previews = serve_previews(&config, &state).await?;
    let app = router(state);
    let listener = tokio::net::TcpListener::bind(config.process.site_addr)
        .await
        .with_context(|| format!("could not listen on {}", config.process.site_addr))?;
    tracing::info!("listening on http://{}", config.process.site_addr);

    let shutdown_requested = {
        let (chats, builds) = (chats.clone(), builds.clone());
        async move {
            shutdown::signal().await;
            chats.begin_shutdown();
            builds.begin_shutdown();
        }
    };
    serve(listener, app, shutdown_requested, config.process.shutdown_grace)
        .await
        .context("the HTTP server failed")?;
    housekeeping.abort();
    if let Some((stop, server)) = previews {
        stop.cancel();
        let _ = server.await;
    }
    chats.shut_down().await;
    builds.shut_down().await;
    webhooks.shut_down().await;
    tracing::info!("stopped");
    Ok(())
}

/// Starts the preview origin's listener, unless previews are off; returns
/// what stops it and the task serving it.
async fn serve_previews(
    config: &Config,
    state: &AppState,
) -> anyhow::Result<Option<(CancellationToken, tokio::task::JoinHandle<std::io::Result<()>>)>> {
    let (Some(address), Some(origin)) = (config.previews.listen, config.previews.origin.clone()) else {
        tracing::info!("previews are off (PREVIEW_ADDR=off)");
        return Ok(None);
    };
    let listener = tokio::net::TcpListener::bind(address).await.with_context(|| {
        format!("could not listen for previews on {address} (PREVIEW_ADDR; off turns previews off)")
    })?;
    tracing::info!(origin = %origin.for_build(uuid::Uuid::nil()), "previews listening on http://{address}");
    let site = PreviewSite {
        previews: state.builds.previews.clone(),
        signer: state.builds.preview_signer.clone(),
        origin,
    };
    let stop = CancellationToken::new();
    let stopped = stop.clone();
    let server = tokio::spawn(serve(
        listener,
        preview_router(site),
        async move { stopped.cancelled().await },
        config.process.shutdown_grace,
    ));
    Ok(Some((stop, server)))
}

/// The configured object storage, with the key that signs local download
/// URLs, and the key derived from it that signs preview access.
fn open_storage(config: &StorageConfig) -> anyhow::Result<(Storage, Vec<u8>)> {
    let signer = match &config.signing_key {
        Some(key) => UrlSigner::new(key.clone()).map_err(anyhow::Error::msg)?,
        None => UrlSigner::load_or_generate(&config.signing_key_file).with_context(|| {
            format!("could not read or make the storage signing key {}", config.signing_key_file.display())
        })?,
    };
    let preview_key = signer.derive_key("preview access");
    let storage = Storage::open(&config.backend, signer).context("could not set up object storage")?;
    Ok((storage, preview_key))
}

/// Forgets refilled page allowances every minute (they are in memory, and a
/// flood from many addresses would otherwise pile up for ten), and deletes
/// expired sessions, old sign-in failures, refilled rate-limit buckets and
/// model requests past their hour, and ends replies whose server is gone,
/// every ten minutes, for as long as the server runs.
fn spawn_housekeeping(
    accounts: Arc<AccountService>,
    chats: Arc<ChatService>,
    pool: DbPool,
    page_requests: Arc<PageRequestLimiter>,
) -> tokio::task::JoinHandle<()> {
    const MINUTES_BETWEEN_DATABASE_CLEANUPS: u32 = 10;
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_secs(60));
        for minute in (0..MINUTES_BETWEEN_DATABASE_CLEANUPS).cycle() {
            ticks.tick().await;
            if minute == 0 {
                delete_stale_records(&accounts, &chats, &pool).await;
            }
            page_requests.forget_refilled();
            tracing::debug!(callers = page_requests.callers(), "forgot refilled page allowances");
        }
    })
}

async fn delete_stale_records(accounts: &AccountService, chats: &ChatService, pool: &DbPool) {
    match accounts.delete_stale_records().await {
        Ok((sessions, failures)) => {
            tracing::debug!(sessions, failures, "deleted expired sessions and sign-in failures")
        }
        Err(error) => tracing::warn!(%error, "could not delete expired sessions"),
    }
    match server::rate_limits::forget_refilled(pool).await {
        Ok(buckets) => tracing::debug!(buckets, "deleted refilled rate-limit buckets"),
        Err(error) => tracing::warn!(%error, "could not delete refilled rate-limit buckets"),
    }
    let forgotten = match pool.connection().await {
        Ok(mut connection) => server::chats::repo::forget_uncounted_model_requests(&mut connection).await,
        Err(error) => Err(error),
    };
    match forgotten {
        Ok(requests) => tracing::debug!(requests, "deleted model requests older than their hour"),
        Err(error) => tracing::warn!(%error, "could not delete old model requests"),
    }
    // A server that died while another kept running left its replies streaming.
    match chats.recover_interrupted_replies().await {
        Ok(replies) => tracing::debug!(replies, "marked replies whose server is gone as interrupted"),
        Err(error) => tracing::warn!(%error, "could not check for replies whose server is gone"),
    }
}
