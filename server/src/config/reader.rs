//! Reading settings through a lookup, recording every problem rather than
//! stopping at the first, and the parsers the sections share.

use std::time::Duration;

use super::ConfigError;

pub(super) struct Reader<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    problems: Vec<String>,
}

impl<'a> Reader<'a> {
    pub(super) fn new(lookup: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self { lookup, problems: Vec::new() }
    }

    /// The setting's value, or `None` when it is unset or blank.
    fn value(&self, name: &str) -> Option<String> {
        (self.lookup)(name).filter(|value| !value.trim().is_empty())
    }

    /// A secret (a key, a password): trimmed, never echoed in a problem.
    pub(super) fn secret(&self, name: &str) -> Option<String> {
        self.value(name).map(|value| value.trim().to_owned())
    }

    pub(super) fn is_set(&self, name: &str) -> bool {
        self.value(name).is_some()
    }

    /// Records a problem that is not about one setting's value.
    pub(super) fn problem(&mut self, problem: impl Into<String>) {
        self.problems.push(problem.into());
    }

    /// An optional setting: `default` when unset or empty, otherwise `parse`d.
    pub(super) fn parsed<T>(
        &mut self,
        name: &str,
        default: Option<T>,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        match self.value(name) {
            None => default,
            Some(value) => match parse(value.trim()) {
                Ok(parsed) => Some(parsed),
                Err(reason) => {
                    self.problems.push(format!("{name}={value:?} is invalid: {reason}"));
                    None
                }
            },
        }
    }

    /// A required setting whose value must never be echoed (it may hold a password).
    pub(super) fn required_secret(
        &mut self,
        name: &str,
        hint: &str,
        check: impl Fn(&str) -> Result<(), String>,
    ) -> Option<String> {
        let Some(value) = self.secret(name) else {
            self.problems.push(format!("{name} is not set: {hint}"));
            return None;
        };
        match check(&value) {
            Ok(()) => Some(value),
            Err(reason) => {
                self.problems.push(format!("{name} is invalid: {reason}"));
                None
            }
        }
    }

    /// `value` when nothing was wrong, otherwise every problem recorded.
    /// `None` without a recorded problem is still an error, never a panic.
    pub(super) fn finish<T>(self, value: Option<T>) -> Result<T, ConfigError> {
        match value {
            Some(value) if self.problems.is_empty() => Ok(value),
            _ if self.problems.is_empty() => {
                Err(ConfigError { problems: vec!["a setting could not be read".to_owned()] })
            }
            _ => Err(ConfigError { problems: self.problems }),
        }
    }
}

pub(super) fn whole(value: &str, min: usize, max: usize) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("expected a whole number from {min} to {max}")),
    }
}

pub(super) fn boolean(value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err("expected true or false".into()),
    }
}

pub(super) fn base_url(value: &str) -> Result<String, String> {
    if value.starts_with("http://") || value.starts_with("https://") {
        Ok(value.trim_end_matches('/').to_owned())
    } else {
        Err("expected an http:// or https:// address".into())
    }
}

pub(super) fn seconds(value: &str) -> Result<Duration, String> {
    match value.parse::<u64>() {
        Ok(n) if n > 0 => Ok(Duration::from_secs(n)),
        _ => Err("expected a whole number of seconds greater than 0".into()),
    }
}

pub(super) fn attempts(value: &str) -> Result<u32, String> {
    match value.parse::<u32>() {
        Ok(n) if (1..=10_000).contains(&n) => Ok(n),
        _ => Err("expected a whole number of attempts from 1 to 10000".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_missing_without_a_recorded_problem_is_still_reported() {
        let lookup = |_: &str| None;
        let error = Reader::new(&lookup).finish(None::<u32>).unwrap_err();
        assert_eq!(error.problems, ["a setting could not be read"]);
    }

    #[test]
    fn problems_win_over_a_value_and_secrets_are_not_echoed() {
        let lookup = |name: &str| (name == "TOKEN").then(|| " hunter2 ".to_owned());
        let mut reader = Reader::new(&lookup);
        assert_eq!(reader.required_secret("TOKEN", "set it", |_| Err("too short".into())), None);
        let error = reader.finish(Some(1)).unwrap_err();
        assert_eq!(error.problems, ["TOKEN is invalid: too short"]);
    }
}
