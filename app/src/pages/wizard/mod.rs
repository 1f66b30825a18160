//! `/wizard`: a spec in six short steps (the idea, its users, its features,
//! its data and pages, its stack and quality bar, a review) beside a live
//! preview of the spec the answers make. The answers stay in this browser's
//! local storage until they are saved as a spec.

mod answer_field;
mod draft;
mod features;
mod preview;
mod questions;
mod review;
mod step;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use crate::api::chats::refine_spec;
use crate::api::specs::CreateSpec;
use crate::browser::{confirm, focus_after_render, forget_stored, load_stored, store, StorageError};
use crate::components::button::{Button, ButtonSize, ButtonTone};
use crate::components::card::Card;
use crate::components::page_header::PageHeader;
use crate::loaded::read_json;
use crate::model::spec_outline::SpecOutline;
use draft::{Draft, RefineAction, REFINEMENT_OUTDATED};
use features::FeaturesStep;
use preview::SpecPreview;
use questions::{DataAndPagesStep, IdeaStep, StackAndQualityStep, UsersStep};
use review::ReviewStep;
use step::{StepIndicator, WizardStep};

/// Versioned: an outline that old drafts can no longer fill gets a new key.
const DRAFT_KEY: &str = "agents-platform:wizard:v1";
const STEP_KEY: &str = "agents-platform:wizard:v1:step";

#[component]
pub fn WizardPage() -> impl IntoView {
    let draft = Draft::new();
    let step = RwSignal::new(WizardStep::FIRST);
    // The step indicator jumps to any step up to the furthest one reached.
    let furthest = RwSignal::new(WizardStep::FIRST);
    let is_restored = RwSignal::new(false);
    let storage_problem = RwSignal::new(None::<StorageError>);
    // `None` follows the app's name; typing a spec name sets it.
    let spec_name = RwSignal::new(None::<String>);

    // Storage exists only in the browser: the server renders an empty wizard,
    // hydration finds the same, and only then is the saved draft filled in.
    Effect::new(move |_| {
        // A draft that no longer parses is set aside rather than blocking the wizard.
        if let Some(saved) = load_stored(DRAFT_KEY).and_then(|json| read_json::<SpecOutline>(&json).ok()) {
            draft.outline.set(saved);
        }
        if let Some(number) = load_stored(STEP_KEY).and_then(|number| number.parse::<usize>().ok()) {
            let saved = WizardStep::nearest(number);
            step.set(saved);
            furthest.set(saved);
        }
        is_restored.set(true);
    });

    // Kept on every change, so a reload or a closed tab loses nothing. A blank
    // wizard (after "Start over", say) leaves nothing behind.
    Effect::new(move |_| {
        let current_step = step.get();
        // Serialising strings, flags and a unit enum cannot fail.
        let json = draft.outline.with(|outline| {
            if *outline == SpecOutline::default() {
                None
            } else {
                serde_json::to_string(outline).ok()
            }
        });
        // Before the saved draft is read, storing would overwrite it with defaults.
        if !is_restored.get() {
            return;
        }
        let result = match json {
            Some(json) => {
                store(DRAFT_KEY, &json).and_then(|()| store(STEP_KEY, &current_step.number().to_string()))
            }
            None => {
                forget_stored(DRAFT_KEY);
                forget_stored(STEP_KEY);
                Ok(())
            }
        };
        let problem = result.err();
        if storage_problem.get_untracked() != problem {
            storage_problem.set(problem);
        }
    });

    let generated = Memo::new(move |_| draft.outline.with(SpecOutline::to_markdown));
    let shown = Memo::new(move |_| draft.refinement.get().unwrap_or_else(|| generated.get()));

    let refine: RefineAction = Action::new(|content: &String| {
        let content = content.clone();
        async move {
            let result = refine_spec(content.clone()).await;
            (content, result)
        }
    });
    Effect::new(move |_| {
        if let Some((source, Ok(text))) = refine.value().get() {
            if source == generated.get_untracked() {
                draft.refinement.set(Some(text));
                draft.notice.set(None);
            } else {
                draft.notice.set(Some(REFINEMENT_OUTDATED));
            }
        }
    });

    let create = ServerAction::<CreateSpec>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(spec_id)) = create.value().get() {
            // The draft is a spec now; the next visit starts afresh.
            forget_stored(DRAFT_KEY);
            forget_stored(STEP_KEY);
            navigate(&format!("/specs/{spec_id}"), Default::default());
        }
    });

    let go_to = move |target: WizardStep| {
        step.set(target);
        furthest.update(|furthest| *furthest = (*furthest).max(target));
        // Keyboard and screen reader users continue at the new step's heading,
        // not at a button that may have moved or disappeared.
        focus_after_render("wizard-step-heading".to_owned());
    };
    let start_over = move |_| {
        if confirm("Start over? Every answer in this wizard is cleared. Saved specs are not affected.") {
            draft.clear();
            spec_name.set(None);
            go_to(WizardStep::FIRST);
            furthest.set(WizardStep::FIRST);
            // The storage effect now sees a blank wizard and forgets the stored draft.
        }
    };

    view! {
        <Title text="Spec wizard" />
        <PageHeader
            title="Spec wizard"
            description="Six short steps from an idea to a complete app specification. Your answers stay in this browser until you save them as a spec."
        />
        <StepIndicator step furthest on_select=Callback::new(go_to) />
        {move || {
            storage_problem
                .get()
                .map(|problem| {
                    view! {
                        <p
                            role="status"
                            data-testid="storage-warning"
                            class="mb-4 rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-100"
                        >
                            {problem.message()}
                        </p>
                    }
                })
        }}
        <div class="grid gap-6 lg:grid-cols-2">
            <Card labelled_by="wizard-step-heading">
                <p class="text-xs font-medium tracking-wide text-indigo-600 uppercase dark:text-indigo-300">
                    {move || format!("Step {} of {}", step.get().number(), WizardStep::LAST.number())}
                </p>
                <h2 id="wizard-step-heading" tabindex="-1" class="mt-1 text-lg font-semibold focus:outline-none">
                    {move || step.get().title()}
                </h2>
                <div class="mt-4 space-y-5">
                    {move || match step.get() {
                        WizardStep::Idea => view! { <IdeaStep draft /> }.into_any(),
                        WizardStep::Users => view! { <UsersStep draft /> }.into_any(),
                        WizardStep::Features => view! { <FeaturesStep draft /> }.into_any(),
                        WizardStep::DataAndPages => view! { <DataAndPagesStep draft /> }.into_any(),
                        WizardStep::StackAndQuality => view! { <StackAndQualityStep draft /> }.into_any(),
                        WizardStep::Review => {
                            view! { <ReviewStep draft generated shown spec_name refine create /> }.into_any()
                        }
                    }}
                </div>
                <div class="mt-8 flex items-center justify-between gap-3 border-t border-slate-200 pt-4 dark:border-slate-800">
                    <Button
                        size=ButtonSize::Large
                        disabled=Signal::derive(move || step.get().previous().is_none())
                        on_click=move |_| {
                            if let Some(previous) = step.get_untracked().previous() {
                                go_to(previous);
                            }
                        }
                    >
                        "Back"
                    </Button>
                    <button
                        type="button"
                        class="rounded-lg px-3 py-2 text-sm font-medium text-slate-500 hover:text-red-700 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-600 dark:text-slate-400 dark:hover:text-red-300"
                        on:click=start_over
                    >
                        "Start over"
                    </button>
                    {move || {
                        step.get()
                            .next()
                            .map(|next| {
                                view! {
                                    <Button
                                        tone=ButtonTone::Primary
                                        size=ButtonSize::Large
                                        on_click=move |_| go_to(next)
                                    >
                                        "Next"
                                    </Button>
                                }
                            })
                    }}
                </div>
            </Card>
            <SpecPreview draft shown />
        </div>
    }
    .into_any()
}
