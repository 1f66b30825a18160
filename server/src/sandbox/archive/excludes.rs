//! Which paths of a work directory its archive leaves out.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use super::GIT_DIR;

/// Paths left out of archives: `name/` leaves out directories of that name
/// at any depth, `name` files and directories; patterns with a `/` inside
/// match from the top (`dist/**`). `.git` is always kept.
#[derive(Debug, Clone)]
pub struct ExcludeRules {
    patterns: Vec<String>,
    any: GlobSet,
    directories_only: GlobSet,
}

impl ExcludeRules {
    pub fn new(patterns: &[String]) -> Result<Self, String> {
        let (mut any, mut directories_only) = (GlobSetBuilder::new(), GlobSetBuilder::new());
        for pattern in patterns {
            let trimmed = pattern.trim();
            let (body, is_directory_only) = match trimmed.strip_suffix('/') {
                Some(body) => (body, true),
                None => (trimmed, false),
            };
            let body = body.trim_start_matches("./").trim_start_matches('/');
            if body.is_empty() {
                return Err(format!("{pattern:?} excludes nothing"));
            }
            let glob = if body.contains('/') { body.to_owned() } else { format!("**/{body}") };
            let glob = GlobBuilder::new(&glob)
                .literal_separator(true)
                .build()
                .map_err(|error| format!("{pattern:?} is not a valid pattern: {error}"))?;
            if is_directory_only {
                directories_only.add(glob)
            } else {
                any.add(glob)
            };
        }
        let build = |builder: GlobSetBuilder| builder.build().map_err(|error| error.to_string());
        Ok(Self {
            patterns: patterns.iter().map(|pattern| pattern.trim().to_owned()).collect(),
            any: build(any)?,
            directories_only: build(directories_only)?,
        })
    }

    /// `node_modules/`, `target/`, `.venv/`, `__pycache__/`.
    pub fn default_patterns() -> Vec<String> {
        ["node_modules/", "target/", ".venv/", "__pycache__/"].map(str::to_owned).to_vec()
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    pub(super) fn excludes(&self, path: &str, is_dir: bool) -> bool {
        if path == GIT_DIR || path.starts_with(".git/") {
            return false;
        }
        self.any.is_match(path) || (is_dir && self.directories_only.is_match(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(patterns: &[&str]) -> ExcludeRules {
        ExcludeRules::new(&patterns.iter().map(|p| p.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn directory_patterns_exclude_directories_at_any_depth_but_never_git() {
        let rules = rules(&["node_modules/", "*.log", "dist/**", ".git/"]);
        assert!(rules.excludes("node_modules", true));
        assert!(rules.excludes("web/node_modules", true));
        assert!(!rules.excludes("node_modules", false), "a file named like it stays");
        assert!(rules.excludes("server.log", false));
        assert!(rules.excludes("logs/server.log", false));
        assert!(rules.excludes("dist/app.js", false));
        assert!(!rules.excludes("web/dist/app.js", false), "a pattern with a slash matches from the top");
        assert!(!rules.excludes(".git", true));
        assert!(!rules.excludes(".git/objects", true));
    }

    #[test]
    fn empty_or_broken_patterns_are_refused() {
        assert!(ExcludeRules::new(&["/".to_owned()]).is_err());
        assert!(ExcludeRules::new(&["a[".to_owned()]).is_err());
    }
}
