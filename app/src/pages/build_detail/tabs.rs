//! The build page's views of the work: Activity (features, tests, files,
//! errors) for a look, Logs for every line, Preview for the app itself. The
//! choice is in the address (`?view=logs`), and the last one chosen is
//! remembered for the next build opened.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use crate::components::view_switch::{ViewLink, ViewSwitch};
use crate::preferences::{remember, remembered};

/// The preference's name.
const REMEMBERED_AS: &str = "build_view";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BuildTab {
    Activity,
    Logs,
    Preview,
}

impl BuildTab {
    const ALL: [BuildTab; 3] = [BuildTab::Activity, BuildTab::Logs, BuildTab::Preview];

    fn as_str(self) -> &'static str {
        match self {
            BuildTab::Activity => "activity",
            BuildTab::Logs => "logs",
            BuildTab::Preview => "preview",
        }
    }

    fn label(self) -> &'static str {
        match self {
            BuildTab::Activity => "Activity",
            BuildTab::Logs => "Logs",
            BuildTab::Preview => "Preview",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|tab| tab.as_str() == text)
    }
}

/// The tab shown: the address's, else the one last chosen, else Activity.
pub(super) fn chosen_tab() -> Memo<BuildTab> {
    let query = use_query_map();
    let last_chosen =
        remembered(REMEMBERED_AS).as_deref().and_then(BuildTab::parse).unwrap_or(BuildTab::Activity);
    Memo::new(move |_| query.read().get("view").as_deref().and_then(BuildTab::parse).unwrap_or(last_chosen))
}

/// The switch between the two, remembering each choice.
#[component]
pub(super) fn BuildTabs(id: Uuid, tab: Memo<BuildTab>) -> impl IntoView {
    let views = BuildTab::ALL
        .into_iter()
        .map(|tab| ViewLink { label: tab.label(), href: format!("/builds/{id}?view={}", tab.as_str()) })
        .collect();
    let current =
        Signal::derive(move || BuildTab::ALL.iter().position(|each| *each == tab.get()).unwrap_or(0));
    let on_choose = Callback::new(|index: usize| remember(REMEMBERED_AS, BuildTab::ALL[index].as_str()));
    view! { <ViewSwitch label="Build views" views current on_choose /> }
}
