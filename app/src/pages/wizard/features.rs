//! The core features step: an ordered list of features, each with a title
//! and details, that can be added, moved and removed from the keyboard.

use leptos::prelude::*;

use super::draft::Draft;
use super::step::INTRO_CLASS;
use crate::browser::{confirm, focus_after_render};
use crate::components::button::{Button, ButtonSize, ButtonTone};
use crate::components::field::{control_class, ControlStyle, Field};
use crate::model::spec_outline::FeatureIdea;

#[component]
pub fn FeaturesStep(draft: Draft) -> impl IntoView {
    let count = Memo::new(move |_| draft.outline.with(|outline| outline.features.len()));
    // Read out after a move or a removal, which are otherwise silent.
    let announcement = RwSignal::new(String::new());
    let add = move |_| {
        draft.edit(|outline| outline.features.push(FeatureIdea::default()));
        let number = draft.outline.with_untracked(|outline| outline.features.len());
        focus_after_render(format!("feature-{number}-title"));
    };
    view! {
        <p class=INTRO_CLASS>"What must the app do? One feature per entry, the most important first. Each becomes a numbered section of the spec with acceptance criteria."</p>
        <ol class="space-y-4" aria-label="Core features">
            {move || {
                (0..count.get())
                    .map(|index| view! { <FeatureEditor draft index count announcement /> })
                    .collect_view()
            }}
        </ol>
        {move || {
            (count.get() == 0)
                .then(|| {
                    view! {
                        <p class="rounded-lg border border-dashed border-slate-300 px-4 py-6 text-center text-sm text-slate-600 dark:border-slate-700 dark:text-slate-400">
                            "No features yet. Add the first thing the app must do."
                        </p>
                    }
                })
        }}
        <Button size=ButtonSize::Large attr:id="wizard-add-feature" on_click=add>
            "Add feature"
        </Button>
        <p class="sr-only" aria-live="polite">
            {move || announcement.get()}
        </p>
    }
    .into_any()
}

/// One feature's title and details, with buttons to reorder and remove it.
#[component]
pub fn FeatureEditor(
    draft: Draft,
    index: usize,
    count: Memo<usize>,
    announcement: RwSignal<String>,
) -> impl IntoView {
    let number = index + 1;
    let title_id = format!("feature-{number}-title");
    let detail_id = format!("feature-{number}-detail");
    let title = move || {
        draft.outline.with(|outline| {
            outline.features.get(index).map(|feature| feature.title.clone()).unwrap_or_default()
        })
    };
    let detail = move || {
        draft.outline.with(|outline| {
            outline.features.get(index).map(|feature| feature.detail.clone()).unwrap_or_default()
        })
    };

    // Swaps this feature with a neighbour and keeps focus on the moved feature,
    // so that it can be moved again at once.
    let move_to = move |target: usize, direction: &'static str| {
        let len = draft.outline.with_untracked(|outline| outline.features.len());
        if index >= len || target >= len {
            return;
        }
        draft.edit(|outline| outline.features.swap(index, target));
        let is_at_end = (direction == "up" && target == 0) || (direction == "down" && target + 1 == len);
        // A disabled button cannot take focus; the title can.
        let focus_id = if is_at_end {
            format!("feature-{}-title", target + 1)
        } else {
            format!("feature-{}-{direction}", target + 1)
        };
        focus_after_render(focus_id);
        announcement.set(format!("Feature {number} moved to position {}.", target + 1));
    };
    let remove = move |_| {
        let has_text = draft.outline.with_untracked(|outline| {
            outline
                .features
                .get(index)
                .is_some_and(|feature| !feature.title.trim().is_empty() || !feature.detail.trim().is_empty())
        });
        if has_text && !confirm(&format!("Remove feature {number}? Its title and details are deleted.")) {
            return;
        }
        draft.edit(|outline| {
            if index < outline.features.len() {
                outline.features.remove(index);
            }
        });
        let len = draft.outline.with_untracked(|outline| outline.features.len());
        // The next feature moves into this place; without one, the previous.
        let focus_id = if index < len {
            format!("feature-{number}-title")
        } else if index > 0 {
            format!("feature-{index}-title")
        } else {
            "wizard-add-feature".to_owned()
        };
        focus_after_render(focus_id);
        announcement.set(format!("Feature {number} removed."));
    };

    view! {
        <li class="space-y-3 rounded-xl border border-slate-200 p-4 dark:border-slate-800">
            <div class="flex items-center justify-between gap-2">
                <h3 class="text-sm font-semibold">{format!("Feature {number}")}</h3>
                <div class="flex gap-1">
                    <Button
                        tone=ButtonTone::Quiet
                        size=ButtonSize::Small
                        attr:id=format!("feature-{number}-up")
                        attr:aria-label=format!("Move feature {number} up")
                        disabled=index == 0
                        on_click=move |_| {
                            if index > 0 {
                                move_to(index - 1, "up");
                            }
                        }
                    >
                        "↑"
                    </Button>
                    <Button
                        tone=ButtonTone::Quiet
                        size=ButtonSize::Small
                        attr:id=format!("feature-{number}-down")
                        attr:aria-label=format!("Move feature {number} down")
                        disabled=Signal::derive(move || index + 1 >= count.get())
                        on_click=move |_| move_to(index + 1, "down")
                    >
                        "↓"
                    </Button>
                    <Button
                        tone=ButtonTone::Danger
                        size=ButtonSize::Small
                        attr:aria-label=format!("Remove feature {number}")
                        on_click=remove
                    >
                        "Remove"
                    </Button>
                </div>
            </div>
            <Field id=title_id.clone() label=format!("Feature {number} title")>
                <input
                    id=title_id
                    type="text"
                    placeholder="e.g. Search recipes"
                    class=control_class(ControlStyle::Prose)
                    prop:value=title
                    on:input=move |event| {
                        let text = event_target_value(&event);
                        draft.edit(|outline| {
                            if let Some(feature) = outline.features.get_mut(index) {
                                feature.title = text;
                            }
                        });
                    }
                />
            </Field>
            <Field id=detail_id.clone() label=format!("Feature {number} details")>
                <textarea
                    id=detail_id
                    rows="3"
                    placeholder="What the user does, what they see, any rules."
                    class=control_class(ControlStyle::Prose)
                    prop:value=detail
                    on:input=move |event| {
                        let text = event_target_value(&event);
                        draft.edit(|outline| {
                            if let Some(feature) = outline.features.get_mut(index) {
                                feature.detail = text;
                            }
                        });
                    }
                ></textarea>
            </Field>
        </li>
    }
    .into_any()
}
