use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::empty_state::{CallToAction, EmptyState};
use crate::components::icons::IconKind;
use crate::components::page_header::PageHeader;

#[component]
pub fn ChatPage() -> impl IntoView {
    view! {
        <Title text="Chat" />
        <PageHeader title="Chat" description="Describe your idea and an assistant turns it into an app specification." />
        <EmptyState
            icon=IconKind::Chat
            title="No conversations yet"
            message="Your chats with the spec assistant will be listed here, and every reply is kept."
            action=CallToAction { label: "See your specs", href: "/specs" }
        />
    }
}
