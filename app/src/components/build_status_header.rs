//! A build's status with how the page knows it: Live (the stream is up),
//! Reconnecting (it dropped and is being opened again), Disconnected (it
//! gave up trying, with a button to try again) or Historical (the build has
//! ended: what is shown is its record).

use leptos::prelude::*;

use crate::build_stream::StreamHealth;
use crate::components::build_status_badge::BuildStatusBadge;
use crate::components::button::{Button, ButtonSize};
use crate::model::builds::BuildStatus;

/// `connection`: the stream's health while the page follows the build.
#[component]
pub fn BuildStatusHeader(
    #[prop(into)] status: Signal<BuildStatus>,
    #[prop(into)] connection: Signal<Option<StreamHealth>>,
    /// Asks a stream that gave up to try again.
    on_reconnect: Callback<()>,
) -> impl IntoView {
    let badge = move || match (status.get().is_final(), connection.get()) {
        (true, _) => Some(Badge::Historical),
        (false, Some(StreamHealth::Live)) => Some(Badge::Live),
        (false, Some(StreamHealth::Reconnecting)) => Some(Badge::Reconnecting),
        (false, Some(StreamHealth::Lost)) => Some(Badge::Lost),
        (false, None) => None,
    };
    view! {
        <span class="inline-flex items-center gap-3">
            <BuildStatusBadge status />
            {move || badge().map(|badge| {
                let (label, text, dot, testid) = badge.look();
                let is_news = matches!(badge, Badge::Reconnecting | Badge::Lost);
                view! {
                    <span class=format!("inline-flex items-center gap-1.5 text-xs font-medium {text}") data-testid=testid role=is_news.then_some("status")>
                        <span class=format!("size-2 rounded-full {dot}") aria-hidden="true"></span>
                        {label}
                    </span>
                    {(badge == Badge::Lost).then(|| view! {
                        <Button size=ButtonSize::Small on_click=move |_| on_reconnect.run(())>
                            "Reconnect"
                        </Button>
                    })}
                }
            })}
        </span>
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Badge {
    Live,
    Reconnecting,
    Lost,
    Historical,
}

impl Badge {
    /// Its words, text and dot colours, and test id.
    fn look(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Badge::Live => {
                ("Live", "text-emerald-700 dark:text-emerald-300", "animate-pulse bg-emerald-500", "live")
            }
            Badge::Reconnecting => (
                "Reconnecting…",
                "text-amber-700 dark:text-amber-300",
                "animate-pulse bg-amber-500",
                "reconnecting",
            ),
            Badge::Lost => (
                "Disconnected: the page stopped trying",
                "text-red-700 dark:text-red-300",
                "bg-red-500",
                "stream-lost",
            ),
            Badge::Historical => {
                ("Historical", "text-slate-500 dark:text-slate-400", "bg-slate-400", "historical")
            }
        }
    }
}
