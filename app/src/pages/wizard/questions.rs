//! The steps that ask questions: the idea, its users, its data and pages,
//! its stack and quality bar. Core features have a step of their own.

use leptos::prelude::*;

use super::answer_field::{Answer, AnswerField};
use super::draft::Draft;
use super::step::INTRO_CLASS;
use crate::components::field::{HINT_CLASS, LABEL_CLASS};
use crate::model::spec_outline::TestLevel;

#[component]
pub fn IdeaStep(draft: Draft) -> impl IntoView {
    view! {
        <p class=INTRO_CLASS>"What are you building? A name and one sentence are enough to start; anything you leave open, the builder decides."</p>
        <AnswerField draft answer=Answer::Name label="App name" hint="What people will call it, e.g. \u{201c}Recipe Box\u{201d}." />
        <AnswerField draft answer=Answer::Pitch label="One-line pitch" hint="One sentence: what the app does and for whom." />
    }
}

#[component]
pub fn UsersStep(draft: Draft) -> impl IntoView {
    view! {
        <p class=INTRO_CLASS>"Knowing who the app is for decides its wording, its defaults and what can be left out."</p>
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
pub fn DataAndPagesStep(draft: Draft) -> impl IntoView {
    view! {
        <p class=INTRO_CLASS>"What the app keeps and what it shows. Leave either empty to let the builder decide from the features."</p>
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
pub fn StackAndQualityStep(draft: Draft) -> impl IntoView {
    view! {
        <AnswerField
            draft
            answer=Answer::Stack
            label="Technology stack"
            rows="3"
            hint="Languages, frameworks, database… Leave empty to let the builder choose."
        />
        <fieldset>
            <legend class=LABEL_CLASS>"How thoroughly should it be tested?"</legend>
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
                <p id="wizard-needs-auth-hint" class=HINT_CLASS>
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
