//! "Notify me when it ends": the browser's notifications for this build.

use leptos::prelude::*;

use crate::components::button::{Button, ButtonSize};
use crate::model::builds::BuildStatus;
use crate::notifications::{ask_for_notifications, notification_choice, NotificationChoice};

/// While the build has not ended: an offer to be notified when it ends or
/// pauses, or what the person already chose.
#[component]
pub(super) fn NotifyMe(status: Memo<(BuildStatus, Option<String>)>) -> impl IntoView {
    // Only the browser knows; read after hydration so both renders agree.
    let choice = RwSignal::new(NotificationChoice::Unavailable);
    Effect::new(move |_| choice.set(notification_choice()));
    let note = |text: &'static str| {
        view! { <p class="mt-3 text-xs text-slate-500 dark:text-slate-400" data-testid="notify-choice">{text}</p> }.into_any()
    };
    move || {
        if status.get().0.is_final() {
            return ().into_any();
        }
        match choice.get() {
            NotificationChoice::NotAsked => view! {
                <div class="mt-3">
                    <Button size=ButtonSize::Small on_click=move |_| ask_for_notifications(move |answer| choice.set(answer))>
                        "Notify me when it ends"
                    </Button>
                </div>
            }
            .into_any(),
            NotificationChoice::Allowed => note("You will get a notification when it ends or pauses."),
            NotificationChoice::Refused => note("Notifications are blocked for this site in your browser's settings."),
            NotificationChoice::Unavailable => ().into_any(),
        }
    }
}
