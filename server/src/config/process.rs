//! The server process itself: LEPTOS_SITE_ADDR, LOG_FORMAT and
//! SHUTDOWN_GRACE_SECS.

use std::net::SocketAddr;
use std::time::Duration;

use super::reader::{seconds, Reader};

#[derive(Debug, Clone)]
pub struct ProcessConfig {
    pub site_addr: SocketAddr,
    pub log_format: LogFormat,
    /// How long in-flight requests may take to finish after SIGTERM/Ctrl-C.
    pub shutdown_grace: Duration,
}

/// How log lines are written to standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-friendly, coloured when a terminal is attached.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

pub(super) fn read_process(reader: &mut Reader<'_>) -> Option<ProcessConfig> {
    let site_addr = reader.parsed("LEPTOS_SITE_ADDR", "127.0.0.1:3000".parse().ok(), |value| {
        value.parse::<SocketAddr>().map_err(|_| "expected host:port, e.g. 127.0.0.1:3000".into())
    });
    let log_format = reader.parsed("LOG_FORMAT", Some(LogFormat::Pretty), |value| {
        match value.to_ascii_lowercase().as_str() {
            "pretty" => Ok(LogFormat::Pretty),
            "json" => Ok(LogFormat::Json),
            _ => Err("expected pretty or json".into()),
        }
    });
    let shutdown_grace = reader.parsed("SHUTDOWN_GRACE_SECS", Some(Duration::from_secs(30)), seconds);
    Some(ProcessConfig { site_addr: site_addr?, log_format: log_format?, shutdown_grace: shutdown_grace? })
}
