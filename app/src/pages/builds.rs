use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::empty_state::{CallToAction, EmptyState};
use crate::components::icons::IconKind;
use crate::components::page_header::PageHeader;

#[component]
pub fn BuildsPage() -> impl IntoView {
    view! {
        <Title text="Builds" />
        <PageHeader title="Builds" description="Every build an agent ran or is running, with its log and its result." />
        <EmptyState
            icon=IconKind::Builds
            title="No builds yet"
            message="A build turns a spec into a working app inside an isolated sandbox. Pick a spec to build."
            action=CallToAction { label: "Choose a spec", href: "/specs" }
        />
    }
}
