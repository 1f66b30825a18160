//! `/wizard`: a spec in six short steps (the idea, its users, its features,
//! its data and pages, its stack and quality bar, a review) beside a live
//! preview of the spec the answers make. The answers stay in this browser's
//! local storage until they are saved as a spec.

use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use crate::api::chats::refine_spec;
use crate::api::specs::{group_thousands, CreateSpec, MAX_SPEC_NAME_CHARS};
use crate::browser::{confirm, forget_stored, load_stored, store, StorageError};
use crate::components::button::{Button, ButtonSize, ButtonTone};
use crate::components::card::Card;
use crate::components::form::FormError;
use crate::components::page_header::PageHeader;
use crate::error::AppError;
use crate::spec_outline::{FeatureIdea, SpecOutline, TestLevel};

/// Versioned: an outline that old drafts can no longer fill gets a new key.
const DRAFT_KEY: &str = "agents-platform:wizard:v1";
const STEP_KEY: &str = "agents-platform:wizard:v1:step";

const STEPS: [&str; 6] =
    ["Name and pitch", "Target users", "Core features", "Data and pages", "Stack and quality", "Review"];
const LAST_STEP: usize = STEPS.len();

const REFINEMENT_DROPPED: &str = "Your answers changed, so the AI refinement was dropped and the preview shows the spec made from your answers. Refine again to include the change.";
const REFINEMENT_OUTDATED: &str = "Your answers changed while the AI was refining, so its result was not used. Refine again to include your latest answers.";

const INTRO: &str = "text-sm text-slate-600 dark:text-slate-400";
const LABEL: &str = "block text-sm font-medium text-slate-700 dark:text-slate-300";
const HINT: &str = "mt-1 text-xs text-slate-500 dark:text-slate-400";
const INPUT: &str = "mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm placeholder:text-slate-400 focus:border-indigo-500 focus:outline-2 focus:outline-indigo-500/40 dark:border-slate-700 dark:bg-slate-950";

/// The text the refinement was made from, and what the AI made of it.
type RefineAction = Action<String, (String, Result<String, AppError>)>;

/// The answers, and the AI refinement made from them. Every change to the
/// answers goes through `edit`, so a refinement never outlives the answers
/// it was made from.
#[derive(Clone, Copy)]
struct Draft {
    outline: RwSignal<SpecOutline>,
    refinement: RwSignal<Option<String>>,
    /// Why the preview changed without being asked to.
    notice: RwSignal<Option<&'static str>>,
}

impl Draft {
    fn new() -> Self {
        Self {
            outline: RwSignal::new(SpecOutline::default()),
            refinement: RwSignal::new(None),
            notice: RwSignal::new(None),
        }
    }

    fn edit(self, change: impl FnOnce(&mut SpecOutline)) {
        self.outline.update(change);
        if self.refinement.with_untracked(Option::is_some) {
            self.refinement.set(None);
            self.notice.set(Some(REFINEMENT_DROPPED));
        }
    }
}

#[component]
pub fn WizardPage() -> impl IntoView {
    let draft = Draft::new();
    let step = RwSignal::new(1_usize);
    // The step indicator jumps to any step up to the furthest one reached.
    let furthest = RwSignal::new(1_usize);
    let is_restored = RwSignal::new(false);
    let storage_problem = RwSignal::new(None::<StorageError>);
    // `None` follows the app's name; typing a spec name sets it.
    let spec_name = RwSignal::new(None::<String>);

    // Storage exists only in the browser: the server renders an empty wizard,
    // hydration finds the same, and only then is the saved draft filled in.
    Effect::new(move |_| {
        // A draft that no longer parses is set aside rather than blocking the wizard.
        if let Some(saved) =
            load_stored(DRAFT_KEY).and_then(|json| serde_json::from_str::<SpecOutline>(&json).ok())
        {
            draft.outline.set(saved);
        }
        if let Some(saved) = load_stored(STEP_KEY).and_then(|number| number.parse::<usize>().ok()) {
            let saved = saved.clamp(1, LAST_STEP);
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
            Some(json) => store(DRAFT_KEY, &json).and_then(|()| store(STEP_KEY, &current_step.to_string())),
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
        if let Some(Ok(spec)) = create.value().get() {
            // The draft is a spec now; the next visit starts afresh.
            forget_stored(DRAFT_KEY);
            forget_stored(STEP_KEY);
            navigate(&format!("/specs/{}", spec.id), Default::default());
        }
    });

    let go_to = move |target: usize| {
        let target = target.clamp(1, LAST_STEP);
        step.set(target);
        furthest.update(|furthest| *furthest = (*furthest).max(target));
        // Keyboard and screen reader users continue at the new step's heading,
        // not at a button that may have moved or disappeared.
        focus_after_render("wizard-step-heading".to_owned());
    };
    let start_over = move |_| {
        if confirm("Start over? Every answer in this wizard is cleared. Saved specs are not affected.") {
            draft.outline.set(SpecOutline::default());
            draft.refinement.set(None);
            draft.notice.set(None);
            spec_name.set(None);
            go_to(1);
            furthest.set(1);
            // The storage effect now sees a blank wizard and forgets the stored draft.
        }
    };

    view! {
        <Title text="Spec wizard" />
        <PageHeader
            title="Spec wizard"
            description="Six short steps from an idea to a complete app specification. Your answers stay in this browser until you save them as a spec."
        />
        <StepIndicator step furthest on_select=Callback::new(move |target: usize| go_to(target)) />
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
                    {move || format!("Step {} of {LAST_STEP}", step.get())}
                </p>
                <h2 id="wizard-step-heading" tabindex="-1" class="mt-1 text-lg font-semibold focus:outline-none">
                    {move || step_title(step.get())}
                </h2>
                <div class="mt-4 space-y-5">
                    {move || match step.get() {
                        1 => view! { <IdeaStep draft /> }.into_any(),
                        2 => view! { <UsersStep draft /> }.into_any(),
                        3 => view! { <FeaturesStep draft /> }.into_any(),
                        4 => view! { <DataAndPagesStep draft /> }.into_any(),
                        5 => view! { <StackAndQualityStep draft /> }.into_any(),
                        _ => view! { <ReviewStep draft generated shown spec_name refine create /> }.into_any(),
                    }}
                </div>
                <div class="mt-8 flex items-center justify-between gap-3 border-t border-slate-200 pt-4 dark:border-slate-800">
                    <Button
                        size=ButtonSize::Large
                        disabled=Signal::derive(move || step.get() == 1)
                        on:click=move |_| go_to(step.get_untracked().saturating_sub(1))
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
                        (step.get() < LAST_STEP)
                            .then(|| {
                                view! {
                                    <Button
                                        tone=ButtonTone::Primary
                                        size=ButtonSize::Large
                                        on:click=move |_| go_to(step.get_untracked() + 1)
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

fn step_title(step: usize) -> &'static str {
    STEPS.get(step.saturating_sub(1)).copied().unwrap_or_default()
}

/// Moves keyboard focus to the element with `id` once the change that made,
/// moved or renamed it is on screen: a click handler runs before the re-render.
fn focus_after_render(id: String) {
    request_animation_frame(move || {
        let element = document()
            .get_element_by_id(&id)
            .and_then(|element| element.dyn_into::<leptos::web_sys::HtmlElement>().ok());
        if let Some(element) = element {
            let _ = element.focus();
        }
    });
}

/// The numbered steps; the current one is marked, later ones open once reached.
#[component]
fn StepIndicator(
    step: RwSignal<usize>,
    furthest: RwSignal<usize>,
    on_select: Callback<usize>,
) -> impl IntoView {
    view! {
        <nav aria-label="Wizard steps" class="mb-6">
            <ol class="flex flex-wrap gap-2">
                {STEPS
                    .into_iter()
                    .enumerate()
                    .map(|(index, title)| {
                        let number = index + 1;
                        view! {
                            <li>
                                <button
                                    type="button"
                                    aria-label=format!("Step {number}: {title}")
                                    aria-current=move || (step.get() == number).then_some("step")
                                    // Braced: in `view!` a bare `>` would end the tag.
                                    disabled=move || { number > furthest.get() }
                                    on:click=move |_| on_select.run(number)
                                    class="group flex items-center gap-2 rounded-full border border-slate-200 py-1 pr-3 pl-1 text-sm font-medium text-slate-600 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-600 disabled:cursor-not-allowed disabled:opacity-50 disabled:hover:bg-transparent aria-[current=step]:border-indigo-600 aria-[current=step]:text-indigo-700 dark:border-slate-700 dark:text-slate-300 dark:hover:bg-slate-800 dark:aria-[current=step]:border-indigo-400 dark:aria-[current=step]:text-indigo-300"
                                >
                                    <span class="grid size-6 place-items-center rounded-full bg-slate-100 text-xs group-aria-[current=step]:bg-indigo-600 group-aria-[current=step]:text-white dark:bg-slate-800">
                                        {number.to_string()}
                                    </span>
                                    <span>{title}</span>
                                </button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </nav>
    }
}

/// The free-text answers, so that one field component serves them all.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Answer {
    Name,
    Pitch,
    TargetUsers,
    Data,
    Pages,
    Stack,
    Deployment,
}

impl Answer {
    fn id(self) -> &'static str {
        match self {
            Answer::Name => "wizard-name",
            Answer::Pitch => "wizard-pitch",
            Answer::TargetUsers => "wizard-target-users",
            Answer::Data => "wizard-data",
            Answer::Pages => "wizard-pages",
            Answer::Stack => "wizard-stack",
            Answer::Deployment => "wizard-deployment",
        }
    }

    fn of(self, outline: &SpecOutline) -> &String {
        match self {
            Answer::Name => &outline.name,
            Answer::Pitch => &outline.pitch,
            Answer::TargetUsers => &outline.target_users,
            Answer::Data => &outline.data,
            Answer::Pages => &outline.pages,
            Answer::Stack => &outline.stack,
            Answer::Deployment => &outline.quality.deployment,
        }
    }

    fn of_mut(self, outline: &mut SpecOutline) -> &mut String {
        match self {
            Answer::Name => &mut outline.name,
            Answer::Pitch => &mut outline.pitch,
            Answer::TargetUsers => &mut outline.target_users,
            Answer::Data => &mut outline.data,
            Answer::Pages => &mut outline.pages,
            Answer::Stack => &mut outline.stack,
            Answer::Deployment => &mut outline.quality.deployment,
        }
    }
}

/// A labelled answer with a hint: one line, or a text area of `rows` rows.
/// It shows the draft (restored after hydration, cleared by "Start over") and
/// writes to it on every keystroke, so the preview follows the typing.
#[component]
fn AnswerField(
    draft: Draft,
    answer: Answer,
    label: &'static str,
    hint: &'static str,
    #[prop(optional)] rows: Option<&'static str>,
) -> impl IntoView {
    let id = answer.id();
    let hint_id = format!("{id}-hint");
    let value = move || draft.outline.with(|outline| answer.of(outline).clone());
    let on_input = move |event: leptos::ev::Event| {
        let text = event_target_value(&event);
        draft.edit(|outline| *answer.of_mut(outline) = text);
    };
    let control = match rows {
        Some(rows) => view! {
            <textarea
                id=id
                rows=rows
                aria-describedby=hint_id.clone()
                class=INPUT
                prop:value=value
                on:input=on_input
            ></textarea>
        }
        .into_any(),
        None => view! {
            <input
                id=id
                type="text"
                aria-describedby=hint_id.clone()
                class=INPUT
                prop:value=value
                on:input=on_input
            />
        }
        .into_any(),
    };
    view! {
        <div>
            <label for=id class=LABEL>
                {label}
            </label>
            {control}
            <p id=hint_id class=HINT>
                {hint}
            </p>
        </div>
    }
}

#[component]
fn IdeaStep(draft: Draft) -> impl IntoView {
    view! {
        <p class=INTRO>"What are you building? A name and one sentence are enough to start; anything you leave open, the builder decides."</p>
        <AnswerField draft answer=Answer::Name label="App name" hint="What people will call it, e.g. \u{201c}Recipe Box\u{201d}." />
        <AnswerField draft answer=Answer::Pitch label="One-line pitch" hint="One sentence: what the app does and for whom." />
    }
}

#[component]
fn UsersStep(draft: Draft) -> impl IntoView {
    view! {
        <p class=INTRO>"Knowing who the app is for decides its wording, its defaults and what can be left out."</p>
        <AnswerField
            draft
            answer=Answer::TargetUsers
            label="Target users"
            rows="6"
            hint="Who uses the app, what they need from it most, and how used they are to apps like it."
        />
    }
}

#[component]
fn FeaturesStep(draft: Draft) -> impl IntoView {
    let count = Memo::new(move |_| draft.outline.with(|outline| outline.features.len()));
    // Read out after a move or a removal, which are otherwise silent.
    let announcement = RwSignal::new(String::new());
    let add = move |_| {
        draft.edit(|outline| outline.features.push(FeatureIdea::default()));
        let number = draft.outline.with_untracked(|outline| outline.features.len());
        focus_after_render(format!("feature-{number}-title"));
    };
    view! {
        <p class=INTRO>"What must the app do? One feature per entry, the most important first. Each becomes a numbered section of the spec with acceptance criteria."</p>
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
        <Button size=ButtonSize::Large attr:id="wizard-add-feature" on:click=add>
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
fn FeatureEditor(
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
                        on:click=move |_| {
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
                        on:click=move |_| move_to(index + 1, "down")
                    >
                        "↓"
                    </Button>
                    <Button
                        tone=ButtonTone::Danger
                        size=ButtonSize::Small
                        attr:aria-label=format!("Remove feature {number}")
                        on:click=remove
                    >
                        "Remove"
                    </Button>
                </div>
            </div>
            <div>
                <label for=title_id.clone() class=LABEL>
                    {format!("Feature {number} title")}
                </label>
                <input
                    id=title_id
                    type="text"
                    placeholder="e.g. Search recipes"
                    class=INPUT
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
            </div>
            <div>
                <label for=detail_id.clone() class=LABEL>
                    {format!("Feature {number} details")}
                </label>
                <textarea
                    id=detail_id
                    rows="3"
                    placeholder="What the user does, what they see, any rules."
                    class=INPUT
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
            </div>
        </li>
    }
    .into_any()
}

#[component]
fn DataAndPagesStep(draft: Draft) -> impl IntoView {
    view! {
        <p class=INTRO>"What the app keeps and what it shows. Leave either empty to let the builder decide from the features."</p>
        <AnswerField
            draft
            answer=Answer::Data
            label="Data the app stores"
            rows="5"
            hint="The main things it keeps and how they relate, e.g. \u{201c}recipes, each with ingredients and steps; every recipe belongs to one user\u{201d}."
        />
        <AnswerField
            draft
            answer=Answer::Pages
            label="Pages and screens"
            rows="5"
            hint="One per line is easiest, e.g. \u{201c}recipe list, recipe detail, recipe editor, settings\u{201d}."
        />
    }
}

#[component]
fn StackAndQualityStep(draft: Draft) -> impl IntoView {
    view! {
        <AnswerField
            draft
            answer=Answer::Stack
            label="Technology stack"
            rows="3"
            hint="Languages, frameworks, database… Leave empty to let the builder choose."
        />
        <fieldset>
            <legend class=LABEL>"How thoroughly should it be tested?"</legend>
            <div class="mt-2 space-y-2">
                {TestLevel::ALL
                    .into_iter()
                    .map(|level| {
                        let id = format!("wizard-tests-{}", level.label().to_lowercase());
                        view! {
                            <div class="flex items-start gap-3">
                                <input
                                    type="radio"
                                    id=id.clone()
                                    name="test-level"
                                    value=level.label()
                                    class="mt-1 size-4 accent-indigo-600"
                                    prop:checked=move || draft.outline.with(|outline| outline.quality.tests == level)
                                    on:change=move |_| draft.edit(|outline| outline.quality.tests = level)
                                />
                                <label for=id class="text-sm">
                                    <span class="block font-medium">{level.label()}</span>
                                    <span class="block text-xs text-slate-500 dark:text-slate-400">{level.summary()}</span>
                                </label>
                            </div>
                        }
                    })
                    .collect_view()}
            </div>
        </fieldset>
        <div class="flex items-start gap-3">
            <input
                type="checkbox"
                id="wizard-needs-auth"
                class="mt-1 size-4 accent-indigo-600"
                aria-describedby="wizard-needs-auth-hint"
                prop:checked=move || draft.outline.with(|outline| outline.quality.needs_auth)
                on:change=move |event| {
                    let is_checked = event_target_checked(&event);
                    draft.edit(|outline| outline.quality.needs_auth = is_checked);
                }
            />
            <div>
                <label for="wizard-needs-auth" class="text-sm font-medium">
                    "Users sign in with accounts"
                </label>
                <p id="wizard-needs-auth-hint" class=HINT>
                    "Each user then sees and changes only their own data."
                </p>
            </div>
        </div>
        <AnswerField
            draft
            answer=Answer::Deployment
            label="Deployment"
            hint="Where the app runs, e.g. \u{201c}a Docker container on a small VPS\u{201d}. Leave empty to let the builder propose one."
        />
    }
    .into_any()
}

/// What is still missing, the name to save under, and the two ways on:
/// refining the text with AI, and saving it as a spec.
#[component]
fn ReviewStep(
    draft: Draft,
    generated: Memo<String>,
    shown: Memo<String>,
    spec_name: RwSignal<Option<String>>,
    refine: RefineAction,
    create: ServerAction<CreateSpec>,
) -> impl IntoView {
    let name = move || {
        spec_name.get().unwrap_or_else(|| draft.outline.with(|outline| outline.name.trim().to_owned()))
    };
    let is_ready = Memo::new(move |_| draft.outline.with(SpecOutline::is_ready));
    let is_refining = refine.pending();
    let can_save = move || is_ready.get() && !name().trim().is_empty() && !create.pending().get();
    let save_hint = move || {
        if !is_ready.get() {
            "Add the missing answers above to save the spec."
        } else if name().trim().is_empty() {
            "Give the spec a name to save it."
        } else {
            "Saves the text in the preview as a new spec you can edit and build from."
        }
    };
    let refine_error = Signal::derive(move || {
        refine.value().with(|value| value.as_ref().and_then(|(_, result)| result.as_ref().err().cloned()))
    });
    let save_error = Signal::derive(move || create.value().get().and_then(Result::err));

    view! {
        <p class=INTRO>"Check the preview beside this form. Refine it with AI if you like, then save it as a spec."</p>
        {move || {
            let missing = draft.outline.with(SpecOutline::missing);
            if missing.is_empty() {
                view! {
                    <p
                        data-testid="missing-answers"
                        class="rounded-lg border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900 dark:border-emerald-900 dark:bg-emerald-950 dark:text-emerald-100"
                    >
                        "Everything the spec needs is there."
                    </p>
                }
                    .into_any()
            } else {
                view! {
                    <div
                        data-testid="missing-answers"
                        class="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-100"
                    >
                        <p class="font-medium">"Still missing:"</p>
                        <ul class="mt-1 list-disc pl-5">
                            {missing.into_iter().map(|item| view! { <li>{item}</li> }).collect_view()}
                        </ul>
                    </div>
                }
                    .into_any()
            }
        }}
        <div>
            <label for="wizard-spec-name" class=LABEL>
                "Spec name"
            </label>
            <input
                id="wizard-spec-name"
                type="text"
                maxlength=MAX_SPEC_NAME_CHARS.to_string()
                class=INPUT
                prop:value=name
                on:input=move |event| spec_name.set(Some(event_target_value(&event)))
            />
        </div>
        <div class="flex flex-wrap gap-3">
            <Button
                size=ButtonSize::Large
                disabled=Signal::derive(move || is_refining.get())
                on:click=move |_| {
                    refine.dispatch(generated.get_untracked());
                }
            >
                {move || if is_refining.get() { "Refining…" } else { "Refine with AI" }}
            </Button>
            <Button
                tone=ButtonTone::Primary
                size=ButtonSize::Large
                attr:aria-describedby="wizard-save-hint"
                disabled=Signal::derive(move || !can_save())
                on:click=move |_| {
                    create.dispatch(CreateSpec {
                        name: name().trim().to_owned(),
                        content: shown.get_untracked(),
                        project_id: None,
                    });
                }
            >
                {move || if create.pending().get() { "Saving…" } else { "Save as spec" }}
            </Button>
        </div>
        <p id="wizard-save-hint" class=HINT>
            {save_hint}
        </p>
        <FormError error=refine_error />
        <FormError error=save_error />
    }
    .into_any()
}

/// The spec as it stands: made from the answers, or refined by AI until the
/// answers change or the refinement is discarded.
#[component]
fn SpecPreview(draft: Draft, shown: Memo<String>) -> impl IntoView {
    let is_refined = move || draft.refinement.with(Option::is_some);
    let counts = move || {
        shown.with(|text| {
            format!(
                "{} characters · {} lines",
                group_thousands(text.chars().count()),
                group_thousands(text.lines().count()),
            )
        })
    };
    view! {
        <Card labelled_by="spec-preview-heading" class="min-w-0 lg:sticky lg:top-6 lg:self-start">
            <div class="flex flex-wrap items-center justify-between gap-2">
                <div class="flex items-center gap-2">
                    <h2 id="spec-preview-heading" class="text-base font-semibold">
                        "Spec preview"
                    </h2>
                    <Show when=is_refined>
                        <span
                            data-testid="refined-badge"
                            class="rounded-full bg-violet-100 px-2 py-0.5 text-xs font-medium text-violet-800 dark:bg-violet-950 dark:text-violet-200"
                        >
                            "Refined by AI"
                        </span>
                    </Show>
                </div>
                <p data-testid="preview-counts" class="text-xs text-slate-500 dark:text-slate-400">
                    {counts}
                </p>
            </div>
            <div aria-live="polite">
                {move || {
                    draft
                        .notice
                        .get()
                        .map(|notice| {
                            view! {
                                <p
                                    data-testid="preview-notice"
                                    class="mt-3 rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-xs text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-100"
                                >
                                    {notice}
                                </p>
                            }
                        })
                }}
            </div>
            <Show when=is_refined>
                <div class="mt-3">
                    <Button size=ButtonSize::Large on:click=move |_| draft.refinement.set(None)>
                        "Discard refinement"
                    </Button>
                </div>
            </Show>
            <pre
                data-testid="spec-preview"
                class="mt-3 max-h-[70vh] overflow-auto rounded-lg bg-slate-50 p-4 font-mono text-xs leading-5 break-words whitespace-pre-wrap dark:bg-slate-950"
            >
                {move || shown.get()}
            </pre>
        </Card>
    }
    .into_any()
}
