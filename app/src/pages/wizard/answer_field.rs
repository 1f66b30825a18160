//! A free-text answer of the wizard, bound to its place in the draft.

use leptos::prelude::*;

use super::draft::Draft;
use crate::components::field::{control_class, hint_id, ControlStyle, Field};
use crate::model::spec_outline::SpecOutline;

/// The free-text answers, so that one field component serves them all.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Answer {
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

/// One line, or a text area of `rows` rows. It shows the draft (restored
/// after hydration, cleared by "Start over") and writes to it on every
/// keystroke, so the preview follows the typing.
#[component]
pub fn AnswerField(
    draft: Draft,
    answer: Answer,
    label: &'static str,
    hint: &'static str,
    #[prop(optional)] rows: Option<&'static str>,
) -> impl IntoView {
    let id = answer.id();
    let value = move || draft.outline.with(|outline| answer.of(outline).clone());
    let on_input = move |event: leptos::ev::Event| {
        let text = event_target_value(&event);
        draft.edit(|outline| *answer.of_mut(outline) = text);
    };
    let class = control_class(ControlStyle::Prose);
    let control = match rows {
        Some(rows) => view! {
            <textarea id=id rows=rows aria-describedby=hint_id(id) class=class prop:value=value on:input=on_input></textarea>
        }
        .into_any(),
        None => view! {
            <input id=id type="text" aria-describedby=hint_id(id) class=class prop:value=value on:input=on_input />
        }
        .into_any(),
    };
    view! {
        <Field id label hint>
            {control}
        </Field>
    }
}
