//! Where build artifacts are stored and how long: STORAGE_*, S3_* and
//! ARTIFACT_* settings.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::reader::{base_url, boolean, whole, Reader};
use crate::builds::artifacts::ArtifactSettings;
use crate::sandbox::archive::ExcludeRules;
use crate::storage::{S3Settings, S3Timeouts, StorageBackend};

#[derive(Debug, Clone)]
pub struct StorageConfig {
    pub backend: StorageBackend,
    /// STORAGE_SIGNING_KEY, or `None` to use (and make) the key file in DATA_DIR.
    pub signing_key: Option<Vec<u8>>,
    /// Where the generated signing key is kept.
    pub signing_key_file: PathBuf,
    pub artifacts: ArtifactSettings,
}

pub(super) fn read_storage(reader: &mut Reader<'_>, data_dir: Option<&Path>) -> Option<StorageConfig> {
    let (access_key_id, secret_access_key) =
        (reader.secret("S3_ACCESS_KEY_ID"), reader.secret("S3_SECRET_ACCESS_KEY"));
    let signing_key = reader.secret("STORAGE_SIGNING_KEY");
    let kind = reader.parsed("STORAGE_BACKEND", Some("local".to_owned()), |value| match value {
        "local" | "s3" => Ok(value.to_owned()),
        _ => Err("expected local or s3".into()),
    });
    let default_root = data_dir.map(|dir| dir.join("objects"));
    let root = reader.parsed("STORAGE_LOCAL_DIR", default_root, |value| Ok(PathBuf::from(value)));
    let backend = match kind?.as_str() {
        "s3" => read_s3(reader, access_key_id, secret_access_key).map(StorageBackend::S3),
        _ => root.map(|root| StorageBackend::Local { root }),
    };
    let signing_key = match signing_key {
        Some(key) if key.len() < 32 => {
            reader.problem("STORAGE_SIGNING_KEY is invalid: use at least 32 characters");
            None
        }
        Some(key) => Some(Some(key.into_bytes())),
        None => Some(None),
    };
    let signing_key_file = data_dir.map(|dir| dir.join("storage-signing.key"));
    let artifacts = read_artifacts(reader);
    Some(StorageConfig {
        backend: backend?,
        signing_key: signing_key?,
        signing_key_file: signing_key_file?,
        artifacts: artifacts?,
    })
}

fn read_s3(
    reader: &mut Reader<'_>,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
) -> Option<S3Settings> {
    let endpoint = reader.parsed("S3_ENDPOINT", Some(None), |value| base_url(value).map(Some));
    let region = reader.parsed("S3_REGION", Some("us-east-1".to_owned()), |value| Ok(value.to_owned()));
    let bucket = reader.parsed("S3_BUCKET", None, |value| {
        let is_valid = (3..=63).contains(&value.len())
            && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
        if is_valid {
            Ok(value.to_owned())
        } else {
            Err("expected a bucket name: 3 to 63 lower-case letters, digits, dots and hyphens".into())
        }
    });
    if bucket.is_none() && !reader.is_set("S3_BUCKET") {
        reader.problem("STORAGE_BACKEND=s3 needs S3_BUCKET");
    }
    if access_key_id.is_none() || secret_access_key.is_none() {
        reader.problem("STORAGE_BACKEND=s3 needs S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY");
    }
    let endpoint = endpoint?;
    // Self-hosted services (MinIO) want path-style requests; AWS itself does not.
    let path_style = reader.parsed("S3_PATH_STYLE", Some(endpoint.is_some()), boolean);
    Some(S3Settings {
        endpoint,
        region: region?,
        bucket: bucket?,
        access_key_id: access_key_id?,
        secret_access_key: secret_access_key?,
        path_style: path_style?,
        timeouts: S3Timeouts::default(),
    })
}

fn read_artifacts(reader: &mut Reader<'_>) -> Option<ArtifactSettings> {
    let defaults = ArtifactSettings::default();
    let excludes = reader.parsed("ARTIFACT_EXCLUDES", Some(defaults.excludes.clone()), |value| {
        let patterns: Vec<String> = value
            .split(',')
            .map(str::trim)
            .filter(|pattern| !pattern.is_empty())
            .map(str::to_owned)
            .collect();
        ExcludeRules::new(&patterns).map(Arc::new)
    });
    let retention = reader.parsed("ARTIFACT_RETENTION_DAYS", Some(None), |value| {
        whole(value, 1, 36_500).map(|days| Some(Duration::from_secs(days as u64 * 86_400)))
    });
    let keep_workdirs = reader.parsed("SANDBOX_KEEP_WORKDIRS", Some(false), boolean);
    Some(ArtifactSettings {
        excludes: excludes?,
        retention: retention?,
        keep_workdirs: keep_workdirs?,
        ..defaults
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use crate::config::{Config, ConfigError};
    use crate::storage::StorageBackend;

    fn config_from(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut vars: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        vars.insert("DATABASE_URL".into(), "postgres://u:p@localhost/db".into());
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn storage_defaults_to_a_folder_of_the_data_directory() {
        let config = config_from(&[("DATA_DIR", "/srv/agents")]).unwrap();
        assert_eq!(config.storage.backend, StorageBackend::Local { root: "/srv/agents/objects".into() });
        assert_eq!(config.storage.signing_key_file, std::path::Path::new("/srv/agents/storage-signing.key"));
        assert_eq!(config.storage.artifacts.retention, None);
        assert!(config.storage.artifacts.excludes.patterns().contains(&"node_modules/".to_owned()));
    }

    #[test]
    fn s3_takes_an_endpoint_with_path_style_addressing_by_default() {
        let config = config_from(&[
            ("STORAGE_BACKEND", "s3"),
            ("S3_ENDPOINT", "http://127.0.0.1:9000/"),
            ("S3_BUCKET", "build-artifacts"),
            ("S3_ACCESS_KEY_ID", "minioadmin"),
            ("S3_SECRET_ACCESS_KEY", "minioadmin123"),
            ("ARTIFACT_RETENTION_DAYS", "30"),
        ])
        .unwrap();
        let StorageBackend::S3(s3) = config.storage.backend else { panic!("expected S3") };
        assert_eq!(s3.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert!(s3.path_style);
        assert_eq!(config.storage.artifacts.retention, Some(std::time::Duration::from_secs(30 * 86_400)));
    }

    #[test]
    fn s3_without_a_bucket_or_keys_and_bad_settings_are_all_reported() {
        let error = config_from(&[
            ("STORAGE_BACKEND", "s3"),
            ("ARTIFACT_EXCLUDES", "node_modules/,a["),
            ("STORAGE_SIGNING_KEY", "short"),
        ])
        .unwrap_err();
        let problems = error.problems.join("\n");
        for expected in ["S3_BUCKET", "S3_ACCESS_KEY_ID", "ARTIFACT_EXCLUDES", "STORAGE_SIGNING_KEY"] {
            assert!(problems.contains(expected), "{expected} missing from:\n{problems}");
        }
    }
}
