//! A build's status with how the page knows it: Live (the stream is up),
//! Reconnecting (it dropped; the browser is opening it again) or Historical
//! (the build has ended: what is shown is its record).

use leptos::prelude::*;

use crate::components::build_status_badge::BuildStatusBadge;
use crate::model::builds::BuildStatus;

/// `connection`: `Some(is_up)` while the page follows the build.
#[component]
pub fn BuildStatusHeader(
    #[prop(into)] status: Signal<BuildStatus>,
    #[prop(into)] connection: Signal<Option<bool>>,
) -> impl IntoView {
    let badge = move || match (status.get().is_final(), connection.get()) {
        (true, _) => Some(Badge::Historical),
        (false, Some(true)) => Some(Badge::Live),
        (false, Some(false)) => Some(Badge::Reconnecting),
        (false, None) => None,
    };
    view! {
        <span class="inline-flex items-center gap-3">
            <BuildStatusBadge status />
            {move || badge().map(|badge| {
                let (label, text, dot, testid) = badge.look();
                view! {
                    <span class=format!("inline-flex items-center gap-1.5 text-xs font-medium {text}") data-testid=testid role=(badge == Badge::Reconnecting).then_some("status")>
                        <span class=format!("size-2 rounded-full {dot}") aria-hidden="true"></span>
                        {label}
                    </span>
                }
            })}
        </span>
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Badge {
    Live,
    Reconnecting,
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
            Badge::Historical => {
                ("Historical", "text-slate-500 dark:text-slate-400", "bg-slate-400", "historical")
            }
        }
    }
}
