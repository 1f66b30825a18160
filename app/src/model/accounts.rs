//! Accounts: who is signed in, signing up, in and out, and personal API
//! tokens. The rules for a valid account live here, so the form and the
//! server agree on them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserProfile {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub created_at: DateTime<Utc>,
}

/// A personal API token as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiTokenSummary {
    pub id: Uuid,
    pub name: String,
    /// The first characters of the secret, so a person can tell tokens apart.
    pub prefix: String,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub created_at: DateTime<Utc>,
    #[cfg_attr(feature = "hydrate", serde(default, deserialize_with = "super::wire_times::read_optional"))]
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A token just created: the only time its secret is ever shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatedApiToken {
    pub token: ApiTokenSummary,
    pub secret: String,
}

pub const MIN_PASSWORD_CHARS: usize = 10;
/// Hashing cost grows with length; nobody types more than this.
pub const MAX_PASSWORD_CHARS: usize = 1024;
pub const MAX_DISPLAY_NAME_CHARS: usize = 100;
/// The longest address SMTP can deliver to.
pub const MAX_EMAIL_CHARS: usize = 254;
pub const MAX_TOKEN_NAME_CHARS: usize = 100;

/// A sign-up that passed every rule, ready to be stored (trimmed email and
/// name): [`NewAccount::parse`] is the only way to get one.
#[derive(Clone)]
pub struct NewAccount {
    email: String,
    display_name: String,
    password: String,
}

impl NewAccount {
    pub fn parse(email: &str, display_name: &str, password: &str) -> Result<Self, AppError> {
        let email = validate_email(email)?;
        let display_name = validate_display_name(display_name)?;
        validate_password(password, &email)?;
        Ok(Self { email, display_name, password: password.to_owned() })
    }

    pub fn email(&self) -> &str {
        &self.email
    }

    pub fn display_name(&self) -> &str {
        &self.display_name
    }

    pub fn password(&self) -> &str {
        &self.password
    }
}

/// Without the password, so no log line or panic message can carry it.
impl std::fmt::Debug for NewAccount {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("NewAccount")
            .field("email", &self.email)
            .field("display_name", &self.display_name)
            .finish_non_exhaustive()
    }
}

pub fn validate_email(email: &str) -> Result<String, AppError> {
    let email = email.trim();
    let invalid = || AppError::Invalid("Please enter a valid email address, like ada@example.com.".into());
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err(AppError::Invalid(format!("An email address has at most {MAX_EMAIL_CHARS} characters.")));
    }
    let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
    let is_plausible = !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if is_plausible {
        Ok(email.to_owned())
    } else {
        Err(invalid())
    }
}

pub fn validate_display_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::Invalid("Please enter your name.".into()));
    }
    if name.chars().count() > MAX_DISPLAY_NAME_CHARS {
        return Err(AppError::Invalid(format!("A name has at most {MAX_DISPLAY_NAME_CHARS} characters.")));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::Invalid("A name cannot contain control characters.".into()));
    }
    Ok(name.to_owned())
}

pub fn validate_password(password: &str, email: &str) -> Result<(), AppError> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        return Err(AppError::Invalid(format!(
            "Your password needs at least {MIN_PASSWORD_CHARS} characters; it has {length}."
        )));
    }
    if length > MAX_PASSWORD_CHARS {
        return Err(AppError::Invalid(format!("A password has at most {MAX_PASSWORD_CHARS} characters.")));
    }
    if password.trim().eq_ignore_ascii_case(email.trim()) {
        return Err(AppError::Invalid("Your password cannot be your email address.".into()));
    }
    Ok(())
}

pub fn validate_token_name(name: &str) -> Result<String, AppError> {
    // Counted as sent, the limit the API documents.
    let length = name.chars().count();
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::Invalid("Please give the token a name, e.g. \"CI pipeline\".".into()));
    }
    if length > MAX_TOKEN_NAME_CHARS {
        return Err(AppError::Invalid(format!(
            "A token name has at most {MAX_TOKEN_NAME_CHARS} characters."
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::Invalid("A token name cannot contain control characters.".into()));
    }
    Ok(name.to_owned())
}

/// The only pages an anonymous visitor may open.
pub const PUBLIC_PAGES: [&str; 2] = ["/sign-in", "/sign-up"];

/// Where to go after signing in: a path on this site, never another origin
/// (`//evil.example` and `/\evil.example` are hosts to a browser).
pub fn safe_next_path(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.chars().any(|c| c.is_control()) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// The sign-in page's address that leads back to `path` afterwards.
pub fn sign_in_path_returning_to(path: &str) -> String {
    page_returning_to("/sign-in", path)
}

/// `page` with `?next=<path>`, unless `path` is the dashboard anyway.
pub fn page_returning_to(page: &str, path: &str) -> String {
    if path == "/" || path.is_empty() {
        page.to_owned()
    } else {
        format!("{page}?next={}", encode_query_value(path))
    }
}

/// Percent-encodes everything but unreserved characters and `/`.
pub fn encode_query_value(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                encoded.push(byte as char)
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_shorter_than_ten_characters_is_refused_with_its_length() {
        let error = NewAccount::parse("ada@example.com", "Ada", "short-pw").unwrap_err();
        assert_eq!(error.to_string(), "Your password needs at least 10 characters; it has 8.");
    }

    #[test]
    fn a_password_equal_to_the_email_is_refused_whatever_its_case() {
        let error = NewAccount::parse("ada@example.com", "Ada", "ADA@Example.com").unwrap_err();
        assert!(error.to_string().contains("cannot be your email"), "{error}");
    }

    #[test]
    fn emails_and_names_are_trimmed_and_checked() {
        let account = NewAccount::parse("  ada@example.com ", " Ada Lovelace ", "analytical-engine").unwrap();
        assert_eq!((account.email(), account.display_name()), ("ada@example.com", "Ada Lovelace"));
        for email in ["ada", "@example.com", "ada@", "ada@@example.com", "a da@example.com", "ada@example."] {
            assert!(validate_email(email).is_err(), "{email} was accepted");
        }
        assert!(validate_display_name("   ").is_err());
        assert!(validate_display_name(&"x".repeat(101)).is_err());
    }

    #[test]
    fn a_new_account_never_shows_its_password_when_printed() {
        let account = NewAccount::parse("ada@example.com", "Ada", "analytical-engine").unwrap();
        let printed = format!("{account:?}");
        assert!(printed.contains("ada@example.com") && !printed.contains("analytical-engine"), "{printed}");
    }

    #[test]
    fn next_paths_never_leave_the_site() {
        assert_eq!(safe_next_path(Some("/specs?page=2")), "/specs?page=2");
        for unsafe_path in ["https://evil.example/", "//evil.example", "/\\evil.example", "specs", ""] {
            assert_eq!(safe_next_path(Some(unsafe_path)), "/", "{unsafe_path}");
        }
        assert_eq!(safe_next_path(None), "/");
    }

    #[test]
    fn the_sign_in_link_carries_the_path_encoded() {
        assert_eq!(sign_in_path_returning_to("/"), "/sign-in");
        assert_eq!(sign_in_path_returning_to("/specs?q=a b&x=1"), "/sign-in?next=/specs%3Fq%3Da%20b%26x%3D1");
    }
}
