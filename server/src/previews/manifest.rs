//! How a built app says it can be previewed: `preview.json` at the top of
//! its work directory, `{"command": "node server.js", "port": 3000}`. The
//! command runs in the sandbox with `PORT` set to the port, and must listen
//! there on the sandbox's loopback (or every address).

use agent_protocol::harness::PREVIEW_FILE;
use serde::Deserialize;

/// The longest command taken: one line of shell, not a script.
const MAX_COMMAND_CHARS: usize = 1000;
/// Ports that are not the app's: the egress proxy's, inside the sandbox.
const RESERVED_PORTS: [u16; 1] = [3128];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewManifest {
    pub command: String,
    pub port: u16,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Written {
    command: String,
    port: u32,
}

impl PreviewManifest {
    /// The file's contents, or a problem a person can fix in it.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let written: Written = serde_json::from_slice(bytes).map_err(|error| {
            format!("{PREVIEW_FILE} is not {{\"command\": \"...\", \"port\": 3000}}: {error}")
        })?;
        let command = written.command.trim();
        if command.is_empty() || command.chars().count() > MAX_COMMAND_CHARS || command.contains('\0') {
            return Err(format!(
                "{PREVIEW_FILE}'s command must be 1 to {MAX_COMMAND_CHARS} characters of shell"
            ));
        }
        let port = u16::try_from(written.port)
            .ok()
            .filter(|port| *port >= 1024 && !RESERVED_PORTS.contains(port))
            .ok_or_else(|| format!("{PREVIEW_FILE}'s port must be from 1024 to 65535, and not 3128"))?;
        Ok(Self { command: command.to_owned(), port })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_and_a_port_make_a_manifest() {
        let manifest = PreviewManifest::parse(br#"{"command": " node server.js ", "port": 3000}"#).unwrap();
        assert_eq!(manifest, PreviewManifest { command: "node server.js".into(), port: 3000 });
    }

    #[test]
    fn what_cannot_run_is_refused_with_the_reason() {
        for (text, reason) in [
            (r#"{"command": "node server.js"}"#, "is not"),
            (r#"{"command": "", "port": 3000}"#, "command"),
            (r#"{"command": "x", "port": 80}"#, "port"),
            (r#"{"command": "x", "port": 3128}"#, "port"),
            (r#"{"command": "x", "port": 70000}"#, "port"),
            (r#"{"command": "x", "port": 3000, "env": {}}"#, "is not"),
            ("not json", "is not"),
        ] {
            let problem = PreviewManifest::parse(text.as_bytes()).unwrap_err();
            assert!(problem.contains(reason), "{text}: {problem}");
        }
    }
}
