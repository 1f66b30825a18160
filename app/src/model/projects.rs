//! Projects group specs and builds. Deleting one unlinks what it held; nothing
//! else is deleted with it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::model::specs::{clean_text, validate_name, SpecSummary};

pub const MAX_PROJECT_NAME_CHARS: usize = 200;
pub const MAX_PROJECT_DESCRIPTION_CHARS: usize = 5_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProjectSummary {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub spec_count: i64,
    pub build_count: i64,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub created_at: DateTime<Utc>,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub updated_at: DateTime<Utc>,
}

/// A build in a short list (a project's builds, the dashboard's recent ones).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BuildRef {
    pub id: Uuid,
    /// The name of the spec it builds, as it was when the build started.
    pub spec_name: String,
    pub status: String,
    pub features_passing: i32,
    /// 0 until the agent has planned the features.
    pub features_total: i32,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub created_at: DateTime<Utc>,
}

/// What every way in says of a project the caller cannot see: missing,
/// deleted and someone else's alike (and a malformed id, which names none).
pub fn project_not_found() -> AppError {
    AppError::NotFound("There is no such project. It may have been deleted.".into())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProjectDetail {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub specs: Vec<SpecSummary>,
    pub builds: Vec<BuildRef>,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub created_at: DateTime<Utc>,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub updated_at: DateTime<Utc>,
}

/// A new project that passed every rule: [`NewProject::parse`] is the only
/// way to get one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProject {
    name: String,
    description: String,
}

impl NewProject {
    pub fn parse(name: &str, description: &str) -> Result<Self, AppError> {
        Ok(Self {
            name: validate_project_name(name)?,
            description: validate_project_description(description)?,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn description(&self) -> &str {
        &self.description
    }
}

/// What an update changes: a field left out or `null` stays as it is.
// The doc above is the API document's. The service checks the changes
// (`validate_project_changes`) whichever door they came through.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProjectChanges {
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::text_schemas::visible_text_or_null::<MAX_PROJECT_NAME_CHARS>))]
    pub name: Option<String>,
    #[cfg_attr(feature = "ssr", schema(schema_with = crate::model::text_schemas::limited_text_or_null::<MAX_PROJECT_DESCRIPTION_CHARS>))]
    pub description: Option<String>,
}

pub fn validate_project_name(name: &str) -> Result<String, AppError> {
    validate_name(name, "project", MAX_PROJECT_NAME_CHARS)
}

pub fn validate_project_description(description: &str) -> Result<String, AppError> {
    // Counted as sent, the limit the API documents.
    let length = description.chars().count();
    let description = clean_text(description).trim().to_owned();
    if length > MAX_PROJECT_DESCRIPTION_CHARS {
        return Err(AppError::Invalid(format!(
            "A description has at most {MAX_PROJECT_DESCRIPTION_CHARS} characters; this one has {length}."
        )));
    }
    Ok(description)
}

pub fn validate_project_changes(changes: ProjectChanges) -> Result<ProjectChanges, AppError> {
    Ok(ProjectChanges {
        name: changes.name.as_deref().map(validate_project_name).transpose()?,
        description: changes.description.as_deref().map(validate_project_description).transpose()?,
    })
}
