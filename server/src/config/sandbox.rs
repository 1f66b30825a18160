//! Where build work directories live, what one command may use and what
//! network it sees: SANDBOX_* settings.

use std::path::PathBuf;
use std::sync::Arc;

use super::reader::{boolean, seconds, whole, Reader};
use crate::sandbox::egress::{parse_host_list, EgressPolicy, HostPattern};
use crate::sandbox::local::{forwarder_beside_this_program, LocalEngineConfig, DEFAULT_SANDBOX_UID};
use crate::sandbox::{SandboxLimits, SandboxNetwork};

/// Where build work directories live and what one command may use.
pub(super) fn read_sandbox(
    reader: &mut Reader<'_>,
    data_dir: Option<&std::path::Path>,
) -> Option<LocalEngineConfig> {
    let defaults = SandboxLimits::default();
    let default_root = data_dir.map(|dir| dir.join("sandboxes"));
    let root = reader.parsed("SANDBOX_ROOT", default_root, |value| Ok(PathBuf::from(value)));
    // The old all-or-nothing switch is refused rather than ignored.
    let _ = reader.parsed("SANDBOX_ALLOW_NETWORK", Some(()), |_| {
        Err("replaced by SANDBOX_NETWORK (none, allowlist or host-unsafe)".to_owned())
    });
    let allowed_hosts =
        reader.parsed("SANDBOX_ALLOWED_HOSTS", Some(EgressPolicy::default_allowed_hosts()), host_list);
    let private_hosts = reader.parsed("SANDBOX_EGRESS_PRIVATE_HOSTS", Some(Vec::new()), host_list);
    let network = reader.parsed("SANDBOX_NETWORK", Some("none".to_owned()), |value| match value {
        "none" | "allowlist" | "host-unsafe" => Ok(value.to_owned()),
        _ => Err("expected none, allowlist or host-unsafe".into()),
    });
    let network = match (network?.as_str(), allowed_hosts, private_hosts) {
        ("allowlist", Some(allowed_hosts), Some(private_hosts)) => {
            Some(SandboxNetwork::Allowlist(Arc::new(EgressPolicy {
                allowed_hosts,
                private_hosts,
                ..EgressPolicy::new(Vec::new())
            })))
        }
        ("allowlist", ..) => None,
        ("host-unsafe", ..) => Some(SandboxNetwork::HostUnsafe),
        _ => Some(SandboxNetwork::None),
    };
    let sandbox_uid =
        reader.parsed("SANDBOX_UID", Some(DEFAULT_SANDBOX_UID), |value| match value.parse::<u32>() {
            Ok(0) => Err("builds must not run as root".into()),
            Ok(uid) if uid < 65_535 => Ok(uid),
            _ => Err("expected a user id from 1 to 65534".into()),
        });
    let forwarder = reader
        .parsed("SANDBOX_FORWARDER", Some(forwarder_beside_this_program()), |value| Ok(PathBuf::from(value)));
    let allow_unisolated = reader.parsed("SANDBOX_ALLOW_UNISOLATED", Some(false), boolean);
    let allow_unlimited = reader.parsed("SANDBOX_ALLOW_UNLIMITED", Some(false), boolean);
    let disk_bytes = reader.parsed("SANDBOX_DISK_MB", Some(defaults.disk_bytes), |value| {
        whole(value, 64, 16 * 1_048_576).map(|mb| mb as u64 * 1024 * 1024)
    });
    let cpu_millis =
        reader.parsed("SANDBOX_CPUS", Some(defaults.cpu_millis), |value| match value.parse::<f64>() {
            Ok(cpus) if (0.1..=1024.0).contains(&cpus) => Ok((cpus * 1000.0).round() as u64),
            _ => Err("expected a number of CPUs from 0.1 to 1024, like 1 or 1.5".into()),
        });
    let timeout = reader.parsed("SANDBOX_COMMAND_TIMEOUT_SECS", Some(defaults.timeout), seconds);
    let cpu_seconds = reader.parsed("SANDBOX_CPU_SECS", Some(defaults.cpu_seconds), |value| {
        whole(value, 1, 86_400).map(|n| n as u64)
    });
    let memory_bytes = reader.parsed("SANDBOX_MEMORY_MB", Some(defaults.memory_bytes), |value| {
        whole(value, 64, 1_048_576).map(|mb| mb as u64 * 1024 * 1024)
    });
    let max_processes = reader.parsed("SANDBOX_MAX_PROCESSES", Some(defaults.max_processes), |value| {
        whole(value, 8, 100_000).map(|n| n as u64)
    });
    let max_output_bytes = reader.parsed("SANDBOX_MAX_OUTPUT_MB", Some(defaults.max_output_bytes), |value| {
        whole(value, 1, 1024).map(|mb| mb * 1024 * 1024)
    });
    Some(LocalEngineConfig {
        root: root?,
        limits: SandboxLimits {
            timeout: timeout?,
            cpu_seconds: cpu_seconds?,
            memory_bytes: memory_bytes?,
            max_processes: max_processes?,
            cpu_millis: cpu_millis?,
            disk_bytes: disk_bytes?,
            max_output_bytes: max_output_bytes?,
        },
        network: network?,
        allow_unisolated: allow_unisolated?,
        allow_unlimited: allow_unlimited?,
        forwarder: forwarder?,
        sandbox_uid: sandbox_uid?,
    })
}

/// Host names and `*.domain` patterns, comma-separated.
fn host_list(value: &str) -> Result<Vec<HostPattern>, String> {
    parse_host_list(value)
        .map_err(|problems| problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
}
