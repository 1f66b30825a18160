use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::empty_state::{CallToAction, EmptyState};
use crate::components::icons::IconKind;
use crate::components::page_header::PageHeader;

#[component]
pub fn SpecsPage() -> impl IntoView {
    view! {
        <Title text="Specs" />
        <PageHeader title="Specs" description="App specifications: the documents builds are made from." />
        <EmptyState
            icon=IconKind::Specs
            title="No specs yet"
            message="A spec describes the app you want: its users, features, pages and quality bar. Start by describing your idea in a chat."
            action=CallToAction { label: "Start a chat", href: "/chat" }
        />
    }
}
