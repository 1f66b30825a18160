use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::empty_state::{CallToAction, EmptyState};
use crate::components::icons::IconKind;
use crate::components::page_header::PageHeader;

#[component]
pub fn ProjectsPage() -> impl IntoView {
    view! {
        <Title text="Projects" />
        <PageHeader title="Projects" description="Group related specs and builds." />
        <EmptyState
            icon=IconKind::Projects
            title="No projects yet"
            message="Projects keep the specs and builds of one app together."
            action=CallToAction { label: "Go to the dashboard", href: "/" }
        />
    }
}
