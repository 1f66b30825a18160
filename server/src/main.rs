use std::process::ExitCode;

use anyhow::Context;
use leptos::config::get_configuration;
use server::config::Config;
use server::db::{build_pool, migrations::run_pending_migrations};
use server::http::{router, serve::serve, AppState};
use server::{shutdown, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: {error}\nSee env.example for every setting and its default.");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format);

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
    leptos_options.site_addr = config.site_addr;

    let app = router(AppState::new(leptos_options, pool));
    let listener = tokio::net::TcpListener::bind(config.site_addr)
        .await
        .with_context(|| format!("could not listen on {}", config.site_addr))?;
    tracing::info!("listening on http://{}", config.site_addr);

    serve(listener, app, shutdown::signal(), config.shutdown_grace)
        .await
        .context("the HTTP server failed")?;
    tracing::info!("stopped");
    Ok(())
}
