//! What the server functions need from the engine room (the ports). `app` declares it,
//! `server` implements it and provides it as context, so `app` never imports
//! `server`.

use std::net::IpAddr;
use std::sync::Arc;

use uuid::Uuid;

use crate::error::AppError;
use crate::model::accounts::{ApiTokenSummary, CreatedApiToken, NewAccount, UserProfile};
use crate::model::artifacts::{ArtifactInfo, BuildFileContent, BuildResultPage};
use crate::model::build_log::LogPage;
use crate::model::build_view::BuildPage;
use crate::model::builds::{BuildControl, BuildDetail, BuildQuery, BuildSummary};
use crate::model::chats::{ChatDetail, ChatSummary};
use crate::model::dashboard::DashboardSummary;
use crate::model::previews::PreviewStatus;
use crate::model::projects::{NewProject, ProjectChanges, ProjectDetail, ProjectSummary};
use crate::model::specs::{
    NewSpec, Page, SpecChanges, SpecDetail, SpecDiff, SpecQuery, SpecSummary, SpecVersion, SpecVersionSummary,
};
use crate::model::system::SystemStatus;
use crate::model::webhooks::{CreatedWebhook, NewWebhook, WebhookDelivery, WebhookSummary};

pub use tower_sessions::Session;

/// Reports on the health of what the platform depends on.
#[async_trait::async_trait]
pub trait SystemProbe: Send + Sync + 'static {
    async fn system_status(&self) -> Result<SystemStatus, AppError>;
}

/// A sign-in as typed, with where it came from (for throttling).
#[derive(Debug, Clone)]
pub struct SignInAttempt {
    pub email: String,
    pub password: String,
    pub client_address: Option<IpAddr>,
}

/// Accounts, sessions and API tokens. Methods that change who is signed in
/// take the request's session; the others take the signed-in owner, so no
/// call can reach another user's tokens. Creating and revoking a token take
/// the caller: only one signed in with a password may (see
/// [`Caller::require_session`]).
#[async_trait::async_trait]
pub trait Accounts: Send + Sync + 'static {
    /// Creates the account and signs it in; `client_address` counts toward
    /// the sign-ups allowed per address.
    async fn sign_up(
        &self,
        session: &Session,
        account: NewAccount,
        client_address: Option<IpAddr>,
    ) -> Result<UserProfile, AppError>;
    async fn sign_in(&self, session: &Session, attempt: SignInAttempt) -> Result<UserProfile, AppError>;
    async fn sign_out(&self, session: &Session) -> Result<(), AppError>;
    async fn api_tokens(&self, owner: &UserProfile) -> Result<Vec<ApiTokenSummary>, AppError>;
    async fn create_api_token(&self, caller: &Caller, name: &str) -> Result<CreatedApiToken, AppError>;
    async fn revoke_api_token(&self, caller: &Caller, token_id: Uuid) -> Result<(), AppError>;
}

/// A user's specs. Every method takes the owner: another user's spec is
/// `NotFound`, exactly like a missing one. The services are where the rules
/// live: new records arrive parsed (`NewSpec::parse`), changes and other
/// inputs are checked by the service, so every door gets the same answers.
#[async_trait::async_trait]
pub trait Specs: Send + Sync + 'static {
    async fn list(&self, owner: &UserProfile, query: SpecQuery) -> Result<Page<SpecSummary>, AppError>;
    async fn get(&self, owner: &UserProfile, id: Uuid) -> Result<SpecDetail, AppError>;
    async fn create(&self, owner: &UserProfile, spec: NewSpec) -> Result<SpecDetail, AppError>;
    /// Applies the changes; a new name or content is saved as a new version.
    async fn update(
        &self,
        owner: &UserProfile,
        id: Uuid,
        changes: SpecChanges,
    ) -> Result<SpecDetail, AppError>;
    /// A copy named "Copy of …", in the same project.
    async fn duplicate(&self, owner: &UserProfile, id: Uuid) -> Result<SpecDetail, AppError>;
    async fn delete(&self, owner: &UserProfile, id: Uuid) -> Result<(), AppError>;
    /// Newest first.
    async fn versions(&self, owner: &UserProfile, id: Uuid) -> Result<Vec<SpecVersionSummary>, AppError>;
    async fn version(&self, owner: &UserProfile, id: Uuid, version: i32) -> Result<SpecVersion, AppError>;
    async fn diff(&self, owner: &UserProfile, id: Uuid, from: i32, to: i32) -> Result<SpecDiff, AppError>;
    async fn restore(&self, owner: &UserProfile, id: Uuid, version: i32) -> Result<SpecDetail, AppError>;
}

/// A user's projects, scoped like [`Specs`].
#[async_trait::async_trait]
pub trait Projects: Send + Sync + 'static {
    async fn list(&self, owner: &UserProfile) -> Result<Vec<ProjectSummary>, AppError>;
    async fn get(&self, owner: &UserProfile, id: Uuid) -> Result<ProjectDetail, AppError>;
    async fn create(&self, owner: &UserProfile, project: NewProject) -> Result<ProjectDetail, AppError>;
    async fn update(
        &self,
        owner: &UserProfile,
        id: Uuid,
        changes: ProjectChanges,
    ) -> Result<ProjectDetail, AppError>;
    /// Deletes the project; its specs and builds stay, unlinked.
    async fn delete(&self, owner: &UserProfile, id: Uuid) -> Result<(), AppError>;
}

/// Chats with the spec assistant, scoped like [`Specs`]. Sending starts a
/// reply that goes on in the background; it streams from the server's
/// `/api/chats/{id}/reply`.
#[async_trait::async_trait]
pub trait Chats: Send + Sync + 'static {
    /// Most recently active first.
    async fn list(&self, owner: &UserProfile) -> Result<Vec<ChatSummary>, AppError>;
    async fn get(&self, owner: &UserProfile, id: Uuid) -> Result<ChatDetail, AppError>;
    async fn start(&self, owner: &UserProfile, message: String) -> Result<ChatDetail, AppError>;
    /// Conflict while a reply is being written.
    async fn send(&self, owner: &UserProfile, id: Uuid, message: String) -> Result<ChatDetail, AppError>;
    async fn stop(&self, owner: &UserProfile, id: Uuid) -> Result<ChatDetail, AppError>;
    /// Replaces the last answer with a new one.
    async fn retry(&self, owner: &UserProfile, id: Uuid) -> Result<ChatDetail, AppError>;
    async fn rename(&self, owner: &UserProfile, id: Uuid, title: String) -> Result<ChatDetail, AppError>;
    /// Deletes the chat; specs saved from it stay.
    async fn delete(&self, owner: &UserProfile, id: Uuid) -> Result<(), AppError>;
    /// Saves the spec block of the reply `message_id` as a new spec.
    async fn save_spec(
        &self,
        owner: &UserProfile,
        id: Uuid,
        message_id: Uuid,
        name: String,
    ) -> Result<SpecDetail, AppError>;
    /// The improved spec, from the configured model; the draft must fit the
    /// spec size limit and hold something to refine.
    async fn refine_spec(&self, owner: &UserProfile, content: String) -> Result<String, AppError>;
}

/// A user's builds, scoped like [`Specs`]. Starting one freezes the spec's
/// content; the agent works in the background.
#[async_trait::async_trait]
pub trait Builds: Send + Sync + 'static {
    /// A page of them, newest first, with how many match in all.
    async fn list(&self, owner: &UserProfile, query: BuildQuery) -> Result<Page<BuildSummary>, AppError>;
    async fn get(&self, owner: &UserProfile, id: Uuid) -> Result<BuildDetail, AppError>;
    /// The build with its state folded from its stored events.
    async fn get_page(&self, owner: &UserProfile, id: Uuid) -> Result<BuildPage, AppError>;
    /// Queues a build of the spec; 429 past the limit of active builds.
    async fn start(&self, owner: &UserProfile, spec_id: Uuid) -> Result<BuildDetail, AppError>;
    /// Pauses, resumes or cancels the build, if its state allows it (409
    /// otherwise), and answers it as it then is.
    async fn control(
        &self,
        owner: &UserProfile,
        id: Uuid,
        control: BuildControl,
    ) -> Result<BuildDetail, AppError>;
    /// Log lines after the sequence number `after`, oldest first.
    async fn logs(&self, owner: &UserProfile, id: Uuid, after: i64, limit: u32) -> Result<LogPage, AppError>;
    /// Removes an ended build, its events and its stored objects.
    async fn delete(&self, owner: &UserProfile, id: Uuid) -> Result<(), AppError>;
}

/// What a user's builds left behind, scoped like [`Specs`].
#[async_trait::async_trait]
pub trait Artifacts: Send + Sync + 'static {
    async fn info(&self, owner: &UserProfile, build_id: Uuid) -> Result<ArtifactInfo, AppError>;
    /// What the build page shows of the build's result: the archive's state
    /// and, once it is stored, the evidence pack and the file tree rendered
    /// to HTML (by the server: neither is in the browser's WASM).
    async fn result_page(&self, owner: &UserProfile, build_id: Uuid) -> Result<BuildResultPage, AppError>;
    /// One file out of the stored archive, text capped for the viewer.
    async fn read_file(
        &self,
        owner: &UserProfile,
        build_id: Uuid,
        path: &str,
    ) -> Result<BuildFileContent, AppError>;
    /// Uploads again after a failure; 409 unless the last upload failed.
    async fn retry(&self, owner: &UserProfile, build_id: Uuid) -> Result<ArtifactInfo, AppError>;
}

/// Live previews of the owner's builds; another user's build is `NotFound`.
#[async_trait::async_trait]
pub trait Previews: Send + Sync + 'static {
    async fn status(&self, owner: &UserProfile, build_id: Uuid) -> Result<PreviewStatus, AppError>;
    /// Stops the app if it runs and starts it again (after the agent changed it).
    async fn restart(&self, owner: &UserProfile, build_id: Uuid) -> Result<PreviewStatus, AppError>;
}

/// Counts and recent work across a user's specs, projects and builds.
#[async_trait::async_trait]
pub trait Overview: Send + Sync + 'static {
    async fn dashboard(&self, owner: &UserProfile) -> Result<DashboardSummary, AppError>;
}

/// Everything server functions can reach, provided once at router set-up.
#[derive(Clone)]
pub struct Backend {
    pub system: Arc<dyn SystemProbe>,
    pub accounts: Arc<dyn Accounts>,
    pub specs: Arc<dyn Specs>,
    pub projects: Arc<dyn Projects>,
    pub chats: Arc<dyn Chats>,
    pub builds: Arc<dyn Builds>,
    pub artifacts: Arc<dyn Artifacts>,
    pub overview: Arc<dyn Overview>,
    pub webhooks: Arc<dyn Webhooks>,
    pub previews: Arc<dyn Previews>,
}

/// A user's webhooks and their deliveries, scoped like [`Specs`]: another
/// user's hook is `NotFound`.
#[async_trait::async_trait]
pub trait Webhooks: Send + Sync + 'static {
    async fn list(&self, owner: &UserProfile) -> Result<Vec<WebhookSummary>, AppError>;
    /// Registers the hook; its signing secret is in this answer only.
    async fn create(&self, owner: &UserProfile, hook: NewWebhook) -> Result<CreatedWebhook, AppError>;
    async fn delete(&self, owner: &UserProfile, id: Uuid) -> Result<(), AppError>;
    /// The hook's latest deliveries, newest first.
    async fn deliveries(&self, owner: &UserProfile, id: Uuid) -> Result<Vec<WebhookDelivery>, AppError>;
    /// Queues a `webhook.test` delivery to the hook; its id.
    async fn send_test(&self, owner: &UserProfile, id: Uuid) -> Result<Uuid, AppError>;
}

/// Who made the request, put into the request's extensions by the server's
/// authentication middleware before any page or server function runs.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: UserProfile,
    pub credential: Credential,
}

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// A browser session, after typing the password.
    Session,
    /// A personal API token.
    ApiToken,
}

impl Caller {
    /// The user, if they signed in with their password: API tokens cannot
    /// manage API tokens, so a leaked one cannot mint a successor that
    /// outlives its revocation.
    pub fn require_session(&self) -> Result<&UserProfile, AppError> {
        match self.credential {
            Credential::Session => Ok(&self.user),
            Credential::ApiToken => Err(AppError::Forbidden(
                "API tokens cannot create or revoke API tokens. Sign in and use the Settings page.".into(),
            )),
        }
    }
}

/// The address a request came from, as the server determined it.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub IpAddr);
